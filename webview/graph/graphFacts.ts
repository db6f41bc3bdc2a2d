// No DOM here: the browser tests and the canvas share these types.

export type Rect = { x: number; y: number; width: number; height: number };
export type TextRect = Rect & { text: string };

/**
 * What the canvas shows, in CSS pixels of the canvas: where every node is,
 * and the texts the last frame drew. Tests read it through the canvas
 * element's `graphFacts()`, instead of reading pixels.
 */
export interface GraphFacts {
  width: number;
  height: number;
  scale: number;
  selected: string | null;
  /** Every laid-out node, in view or not. */
  nodes: (Rect & { id: string; kind: string; label: string })[];
  /** Titles of open delegates. */
  frameTitles: TextRect[];
  edgeLabels: TextRect[];
  /** Titles of closed blocks (inside the box, or beside it when the box is too small for them). */
  blockTitles: TextRect[];
  /** Names written on nodes; a rect's height is the name's font size on screen. */
  nodeLabels: (TextRect & { id: string })[];
  /** Edges the last frame drew, as polylines x0, y0, x1, y1, … (an overview edge: from end to end). */
  routes: { id: string; points: number[] }[];
  /** `detailed`: routed edges at full colour; `overview`: edges lighter, chains between blocks drawn strong. */
  edges: 'detailed' | 'overview';
}

/**
 * When the panel's first graph of a method was asked of the host, answered,
 * laid out and drawn, on the page's clock, with when the page's layout
 * worker started and came back from its warm-up (null: not yet) and ELK's
 * own time (0: laid out on the page). The panel writes them to its
 * `data-paint-steps` for bench:graph and the browser tests.
 */
export interface PaintSteps {
  asked: number;
  answered: number;
  laidOut: number;
  drawn: number;
  elkMs: number;
  workerStarted: number;
  workerWarmed: number | null;
}
