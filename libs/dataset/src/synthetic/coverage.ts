import type { Outline } from './shapes.ts';

/**
 * Which object owns each pixel once the objects are painted in order (later ones cover earlier ones),
 * sampled at pixel centres. The scene planner uses it to keep occlusion and clipping by the image border in
 * bounds. It follows the rule librsvg applies with shape-rendering="crispEdges" up to pixels within a
 * fraction of a pixel of an edge (cairo works in fixed point and flattens arcs), so the ground truth itself
 * is taken from what librsvg draws (ground-truth.ts), not from here.
 */
export class CoverageMap {
  /** 0 = background, k = object k (1-based). */
  private owners: Uint8Array;
  private visible: number[] = [0];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.owners = new Uint8Array(width * height);
  }

  get objectCount(): number {
    return this.visible.length - 1;
  }

  /** Paints the next object on top; returns its label (1-based) and how many pixels it covers. */
  paint(outline: Outline): { label: number; painted: number } {
    const label = this.visible.length;
    if (label > 255) throw new Error('a synthetic image holds at most 255 objects');
    this.visible.push(0);
    let painted = 0;
    forEachSpan(outline, this.width, this.height, (row, from, to) => {
      const owners = this.owners;
      for (let i = row * this.width + from, end = row * this.width + to; i < end; i++) {
        this.visible[owners[i]!]!--;
        owners[i] = label;
      }
      this.visible[label]! += to - from;
      painted += to - from;
    });
    return { label, painted };
  }

  /** Visible pixels of object `label` right now. */
  visiblePixels(label: number): number {
    return this.visible[label] ?? 0;
  }

  snapshot(): { owners: Uint8Array; visible: number[] } {
    return { owners: this.owners.slice(), visible: [...this.visible] };
  }

  restore(state: { owners: Uint8Array; visible: number[] }): void {
    this.owners = state.owners;
    this.visible = state.visible;
  }
}

/**
 * Calls `span(row, from, to)` for each run of pixels [from, to) on a row whose centres lie inside the
 * outline (even-odd rule), clipped to the image.
 */
export function forEachSpan(outline: Outline, width: number, height: number, span: (row: number, from: number, to: number) => void): void {
  const emit = (row: number, left: number, right: number): void => {
    // Centres x + 0.5 in [left, right): x from ceil(left - 0.5) to ceil(right - 0.5) - 1.
    const from = Math.max(0, Math.ceil(left - 0.5));
    const to = Math.min(width, Math.ceil(right - 0.5));
    if (to > from) span(row, from, to);
  };
  if (outline.kind === 'polygon') {
    const p = outline.points;
    let top = Infinity;
    let bottom = -Infinity;
    for (let i = 1; i < p.length; i += 2) {
      top = Math.min(top, p[i]!);
      bottom = Math.max(bottom, p[i]!);
    }
    const crossings: number[] = [];
    for (let row = Math.max(0, Math.ceil(top - 0.5)); row < Math.min(height, Math.ceil(bottom - 0.5)); row++) {
      const yc = row + 0.5;
      crossings.length = 0;
      for (let i = 0; i < p.length; i += 2) {
        const j = (i + 2) % p.length;
        const x0 = p[i]!;
        const y0 = p[i + 1]!;
        const x1 = p[j]!;
        const y1 = p[j + 1]!;
        if ((y0 <= yc && yc < y1) || (y1 <= yc && yc < y0)) crossings.push(x0 + ((yc - y0) * (x1 - x0)) / (y1 - y0));
      }
      crossings.sort((a, b) => a - b);
      for (let k = 0; k + 1 < crossings.length; k += 2) emit(row, crossings[k]!, crossings[k + 1]!);
    }
    return;
  }
  const { cx, cy, r } = outline;
  const inner = outline.kind === 'ring' ? outline.inner : 0;
  for (let row = Math.max(0, Math.ceil(cy - r - 0.5)); row < Math.min(height, Math.ceil(cy + r - 0.5)); row++) {
    const dy = row + 0.5 - cy;
    const outerHalf = Math.sqrt(Math.max(0, r * r - dy * dy));
    if (inner > 0 && dy * dy < inner * inner) {
      const innerHalf = Math.sqrt(inner * inner - dy * dy);
      emit(row, cx - outerHalf, cx - innerHalf);
      emit(row, cx + innerHalf, cx + outerHalf);
    } else {
      emit(row, cx - outerHalf, cx + outerHalf);
    }
  }
}
