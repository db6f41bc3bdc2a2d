import { DelegatePayload } from '../format/delegatePayloads';
import { methodInstructions } from '../format/pte/describe';
import { Program } from '../format/pte/pteTypes';
import { XnnpackGraph } from '../format/xnnpack/xnnpackTypes';
import { instructionOperands } from '../format/pte/describe';
import { Inventory, InventoryItem, valueKey } from './inventory';
import { layerOf } from './layers';
import { ProgramDiff } from './diffTypes';

/** One program's side of the pairing. */
export interface PairingSide {
  program: Program;
  payloads: readonly DelegatePayload[];
  inventory: Inventory;
}

/** Two items the diff compares, under the key the row shows. */
export interface KeyPair {
  key: string;
  a: InventoryItem | null;
  b: InventoryItem | null;
  /** Set when the two sides know the tensor by different keys. */
  keys: { a: string; b: string } | null;
}

function methodKey(side: PairingSide, methodName: string, valueIndex: number): string | null {
  const method = side.program.methods.find((m) => m.name === methodName);
  const v = method?.values[valueIndex];
  return v?.kind === 'tensor' ? valueKey(methodName, valueIndex, v.tensor) : null;
}

function graphOf(side: PairingSide, methodName: string, delegateIndex: number): XnnpackGraph | null {
  const methodIndex = side.program.methods.findIndex((m) => m.name === methodName);
  const p = side.payloads.find((x) => x.methodIndex === methodIndex && x.delegateIndex === delegateIndex);
  return p?.status === 'xnnpack' ? p.graph : null;
}

/** Named keys of a graph's constants per value position: its data and its scales. */
function graphKeys(g: XnnpackGraph): (string | null)[][] {
  const key = (i: number) => (i !== 0 && g.constants[i]?.source === 'namedKey' ? g.constants[i].namedKey : null);
  return g.values.map((v) => {
    const q = v.quantization;
    const scales = q && (q.kind === 'perChannel' || q.kind === 'perChannelGroup') ? key(q.scaleBufferIdx) : null;
    return [key(v.constantIndex), scales];
  });
}

/**
 * Pairs of keys that stand in the same place in both programs: the same
 * argument of aligned calls, or the same constant of aligned XNNPACK
 * delegates with the same graph shape.
 */
function pairsByUse(diff: ProgramDiff, a: PairingSide, b: PairingSide): [string, string][] {
  const out: [string, string][] = [];
  for (const m of diff.methods) {
    const ma = a.program.methods.find((x) => x.name === m.name);
    const mb = b.program.methods.find((x) => x.name === m.name);
    if (!ma || !mb) continue;
    const la = methodInstructions(ma);
    const lb = methodInstructions(mb);
    for (const row of m.instructions) {
      if (!row.a || !row.b) continue;
      const xa = instructionOperands(la[row.a.index]);
      const xb = instructionOperands(lb[row.b.index]);
      for (let p = 0; p < Math.min(xa.length, xb.length); p++) {
        const ka = methodKey(a, m.name, xa[p]);
        const kb = methodKey(b, m.name, xb[p]);
        if (ka !== null && kb !== null) out.push([ka, kb]);
      }
    }
    for (const d of m.delegates) {
      if (!d.a || !d.b) continue;
      const ga = graphOf(a, m.name, d.a.index);
      const gb = graphOf(b, m.name, d.b.index);
      if (!ga || !gb || ga.values.length !== gb.values.length) continue;
      const ka = graphKeys(ga);
      const kb = graphKeys(gb);
      ka.forEach((keys, i) =>
        keys.forEach((k, role) => {
          const other = kb[i][role];
          if (k !== null && other !== null && ga.values[i].dims.join() === gb.values[i].dims.join())
            out.push([k, other]);
        }),
      );
    }
  }
  return out;
}

/** State-dict names read best, then other stored keys (content hashes), then value indices. */
function rank(key: string, item: InventoryItem): number {
  if (!item.named) return 0;
  return layerOf(key) !== null ? 2 : 1;
}

/**
 * Decides which item of b each item of a is compared with. Named keys held
 * by both sides pair by name. A key only one side has pairs with the key
 * that stands in its place on the other side (the same argument of an
 * aligned call, the same constant of an aligned delegate), when that
 * correspondence is one to one: so an adapter stored as unnamed constants in
 * one program pairs with the same adapter in a `.ptd`, and content-hash keys
 * pair across exports. Unnamed constants left over pair by value index.
 * Rows follow a's order, then the items only b has.
 */
export function pairKeys(diff: ProgramDiff, a: PairingSide, b: PairingSide): KeyPair[] {
  const ia = a.inventory;
  const ib = b.inventory;
  const byName = (k: string, own: Inventory, other: Inventory) => own.get(k)!.named && other.get(k)?.named === true;
  const partners = new Map<string, Set<string>>();
  const reverse = new Map<string, Set<string>>();
  for (const [ka, kb] of pairsByUse(diff, a, b)) {
    if (!ia.has(ka) || !ib.has(kb) || byName(ka, ia, ib) || byName(kb, ib, ia)) continue;
    partners.set(ka, (partners.get(ka) ?? new Set()).add(kb));
    reverse.set(kb, (reverse.get(kb) ?? new Set()).add(ka));
  }
  const alias = new Map<string, string>();
  for (const [ka, set] of partners) {
    const [kb] = set;
    if (set.size === 1 && reverse.get(kb)!.size === 1 && (ka !== kb || !ia.get(ka)!.named)) alias.set(ka, kb);
  }
  const taken = new Set(alias.values());

  const rows: KeyPair[] = [];
  const usedB = new Set<string>();
  for (const [ka, x] of ia) {
    let kb: string | null = null;
    if (alias.has(ka)) kb = alias.get(ka)!;
    else if (ib.has(ka) && !taken.has(ka) && ib.get(ka)!.named === x.named) kb = ka;
    if (kb === null) {
      rows.push({ key: ka, a: x, b: null, keys: null });
      continue;
    }
    const y = ib.get(kb)!;
    usedB.add(kb);
    const key = rank(kb, y) > rank(ka, x) ? kb : ka;
    rows.push({ key, a: x, b: y, keys: ka === kb ? null : { a: ka, b: kb } });
  }
  for (const [kb, y] of ib) if (!usedB.has(kb)) rows.push({ key: kb, a: null, b: y, keys: null });
  return rows;
}
