export { applyConfChange, validateConfChange } from "./configuration.js";
export { MAX_TERM } from "./limits.js";
export { type MembershipPolicyOptions, nextMembershipChange } from "./membership-policy.js";
export { RaftNode } from "./raft-node.js";
export { createSeededRandom, randomInt } from "./random.js";
export { defaultSizeOf } from "./size.js";
export type * from "./types.js";
