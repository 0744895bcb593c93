/**
 * The raw data channels of the protocol-floor page (`page-protocol.ts`): one `RTCPeerConnection` per pair of
 * tabs, the Node side carrying the SDP (no signaling server), each with one ordered, reliable channel, as
 * hamok's peer-link asks of simple-peer.
 */

const connections = new Map<number, RTCPeerConnection>();
const channels = new Map<number, RTCDataChannel>();
let receiver: (bytes: Uint8Array) => void = () => undefined;

/** Where every message arriving on any channel goes. */
export function onMeshMessage(receive: (bytes: Uint8Array) => void): void {
  receiver = receive;
}

/** The channel to tab `remote`, once made. */
export function meshChannel(remote: number): RTCDataChannel | undefined {
  return channels.get(remote);
}

function iceComplete(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") resolve();
    });
  });
}

function attach(remote: number, dc: RTCDataChannel): void {
  dc.binaryType = "arraybuffer";
  channels.set(remote, dc);
  dc.addEventListener("message", (event) => receiver(new Uint8Array(event.data as ArrayBuffer)));
}

/** Dialling side of the raw connection to `remote`: an offer with every host candidate in it. */
export async function protocolOffer(remote: number): Promise<string> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  connections.set(remote, pc);
  // simple-peer's channelConfig default ({}): ordered and reliable, as hamok's peer-link.
  attach(remote, pc.createDataChannel("floor", {}));
  await pc.setLocalDescription(await pc.createOffer());
  await iceComplete(pc);
  return pc.localDescription?.sdp ?? "";
}

/** Answering side of the raw connection from `remote`. */
export async function protocolAnswer(remote: number, offer: string): Promise<string> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  connections.set(remote, pc);
  pc.addEventListener("datachannel", (event) => attach(remote, event.channel));
  await pc.setRemoteDescription({ type: "offer", sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await iceComplete(pc);
  return pc.localDescription?.sdp ?? "";
}

/** Dialling side: take the answer. */
export async function protocolConnect(remote: number, answer: string): Promise<void> {
  await connections.get(remote)?.setRemoteDescription({ type: "answer", sdp: answer });
}

/** Resolves once this tab's raw channels to the `tabs - 1` others are open. */
export async function protocolReady(tabs: number): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    let open = 0;
    for (const dc of channels.values()) if (dc.readyState === "open") open++;
    if (open === tabs - 1) return;
    await new Promise((done) => setTimeout(done, 10));
  }
  throw new Error(`raw channels did not open (${channels.size} of ${tabs - 1} made)`);
}
