export { applyConfChange, validateConfChange } from "./configuration";
export { type MembershipPolicyOptions, nextMembershipChange } from "./membership-policy";
export { RaftNode } from "./raft-node";
export { createSeededRandom, randomInt } from "./random";
export { defaultSizeOf } from "./size";
export type * from "./types";
