/**
 * The highest term the core takes part in: 2^40, far below 2^53 (the largest
 * integer every peer, codec and store represents exactly), yet more elections
 * than a cluster could hold in millennia. A message with a higher term is
 * dropped (`term-ceiling`) and the core never raises its own term past it, so
 * a forged term of 2^53-1 cannot push a cluster to a term from which no next
 * election is representable.
 */
export const MAX_TERM = 2 ** 40;

/** At most this many dropped messages are recorded per Ready; the rest are dropped without a record (a flood). */
export const MAX_DROP_RECORDS = 64;
