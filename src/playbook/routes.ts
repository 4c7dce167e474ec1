/** Where a decision sends the run: a state id, `stay` (handled without moving) or `ignore` (not ours). */
export type Route = string;
export const STAY = 'stay';
export const IGNORE = 'ignore';
