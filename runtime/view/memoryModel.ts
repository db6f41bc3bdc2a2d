/** The memory plan's figures as plain JSON-safe objects (the CLI prints them, the memory tab draws them). Imports nothing, so webviews can use the types. */

/**
 * The memory plan of a method as the runtime will lay it out: every planned
 * tensor at `arena[memory_id] + offset`, live from the instruction that first
 * writes it to the last that reads it.
 *
 * Lifetimes are in instruction indices, inclusive. `-1` is the method's entry
 * (inputs and mutable buffers are live from there) and `instructionCount` its
 * exit (outputs and mutable buffers are live until then). A value no
 * instruction touches and that is neither input nor output has no lifetime.
 *
 * A backward JumpFalseCall (a loop from instruction j back to d) makes every
 * lifetime that touches [d, j] cover all of [d, j]: a value used anywhere in
 * the loop body may be needed on the next iteration. Forward jumps only skip
 * instructions, which the linear order already covers.
 */
export interface PlannedTensor {
  value: number;
  dtype: string;
  shape: number[];
  offset: number;
  /** Bytes (upper bound for dynamic shapes), or null for element types of unknown size. */
  size: number | null;
  start: number | null;
  end: number | null;
  /** First instruction that writes it and last that reads it, when any does. */
  firstWrite: number | null;
  lastRead: number | null;
  role: 'input' | 'output' | 'inputOutput' | 'activation' | 'mutableBuffer' | 'view' | 'unused';
  /** For views: the value whose storage they read (written earlier at an overlapping place). */
  viewOf: number | null;
  fullyQualifiedName: string | null;
  /** `offset + size` exceeds the arena: the runtime refuses such a program. */
  outOfBounds: boolean;
}

/** Values placed at the same offset of one arena. */
export interface AliasGroup {
  offset: number;
  values: number[];
  /**
   * True when some two of them are live at once (a view and its base: the
   * same bytes under two names); false when the planner reused the place for
   * values that live one after the other.
   */
  lifetimesOverlap: boolean;
}

export interface ArenaPlan {
  memoryId: number;
  /** `non_const_buffer_sizes[memoryId]`, or null when the program lists no such arena. */
  size: number | null;
  tensors: PlannedTensor[];
  /** The most bytes live at one time (overlapping tensors counted once), and the first step it happens. */
  peakLiveBytes: number;
  peakAt: number | null;
  /** Bytes of the arena some tensor is placed on. */
  placedBytes: number;
  /** Bytes of the arena no tensor is ever live in. */
  neverLiveBytes: number;
  aliases: AliasGroup[];
}

export interface MethodMemoryPlan {
  method: string;
  index: number;
  instructionCount: number;
  arenas: ArenaPlan[];
  backwardJumps: { from: number; to: number }[];
}
