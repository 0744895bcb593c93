/** The factory Hamok uses to create the state machine of a storage id it meets in the log. */
import { HamokError } from "../errors.js";
import type { ReplicatedStateMachine, StateMachineFactory, StorageType } from "./contract.js";
import { EmitterStateMachine } from "./emitter-state-machine.js";
import { MapStateMachine } from "./map-state-machine.js";
import { QueueStateMachine } from "./queue-state-machine.js";
import { RemoteMapStateMachine } from "./remote-map-state-machine.js";

/** Creates an empty state machine of a storage type (the storage id does not change its behaviour); an unknown type throws `InvalidMessage`. */
export const createStateMachine: StateMachineFactory = (type: StorageType): ReplicatedStateMachine => {
  switch (type) {
    case "map":
      return new MapStateMachine("map");
    case "record":
      return new MapStateMachine("record");
    case "queue":
      return new QueueStateMachine();
    case "emitter":
      return new EmitterStateMachine();
    case "remote-map":
      return new RemoteMapStateMachine();
    default:
      // A type from a newer or foreign peer: refuse rather than guess.
      throw new HamokError("InvalidMessage", `unknown storage type ${String(type)}`);
  }
};
