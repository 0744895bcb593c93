export { applyConfChange, validateConfChange } from "./configuration";
export { MAX_TERM } from "./limits.js";
export { type MembershipPolicyOptions, nextMembershipChange } from "./membership-policy";
export { RaftNode } from "./raft-node";
export { createSeededRandom, randomInt } from "./random";
export { defaultSizeOf } from "./size";
export type * from "./types";
