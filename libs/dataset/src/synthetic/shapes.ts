/**
 * The synthetic dataset's object classes and their geometry. Each class carries a COCO category id from
 * the 91-id space, chosen so the 91->80 map is exercised (ids past the gaps at 12, 26, 29-30, 45, 66, 68-69,
 * 71 and 83 land on YOLO classes other than id - 1).
 */
export const shapeClasses = [
  { name: 'circle', cocoId: 1 },
  { name: 'square', cocoId: 13 },
  { name: 'triangle', cocoId: 27 },
  { name: 'star', cocoId: 44 },
  { name: 'hexagon', cocoId: 52 },
  { name: 'ring', cocoId: 67 },
  { name: 'cross', cocoId: 90 },
] as const;

export type ShapeName = (typeof shapeClasses)[number]['name'];

/** What gets drawn: a polygon (flat x,y list), a disc, or a ring (disc with a concentric hole). */
export type Outline =
  | { kind: 'polygon'; points: number[] }
  | { kind: 'disc'; cx: number; cy: number; r: number }
  | { kind: 'ring'; cx: number; cy: number; r: number; inner: number };

/** Vertices of each polygonal shape for circumradius 1, centred on the origin. */
const unitPolygons: Record<Exclude<ShapeName, 'circle' | 'ring'>, Array<[number, number]>> = {
  square: regular(4, Math.PI / 4),
  triangle: regular(3, -Math.PI / 2),
  hexagon: regular(6, 0),
  star: Array.from({ length: 10 }, (_, k) => {
    const radius = k % 2 === 0 ? 1 : 0.45;
    const angle = -Math.PI / 2 + (k * Math.PI) / 5;
    return [radius * Math.cos(angle), radius * Math.sin(angle)] as [number, number];
  }),
  cross: [
    [-0.3, -1], [0.3, -1], [0.3, -0.3], [1, -0.3], [1, 0.3], [0.3, 0.3],
    [0.3, 1], [-0.3, 1], [-0.3, 0.3], [-1, 0.3], [-1, -0.3], [-0.3, -0.3],
  ],
};

const ringHole = 0.55;

/** Area of a shape of circumradius 1, to size shapes by the area COCO's small/medium/large ranges use. */
export function unitArea(shape: ShapeName): number {
  if (shape === 'circle') return Math.PI;
  if (shape === 'ring') return Math.PI * (1 - ringHole * ringHole);
  return Math.abs(shoelace(unitPolygons[shape].flat()));
}

/** The outline of a shape of circumradius r centred at (cx, cy), turned by `rotation` radians. */
export function shapeOutline(shape: ShapeName, cx: number, cy: number, r: number, rotation: number): Outline {
  // Coordinates are rounded to the 1/100 pixel the SVG is written with, so the rasteriser sees what librsvg draws.
  if (shape === 'circle') return { kind: 'disc', cx: round2(cx), cy: round2(cy), r: round2(r) };
  if (shape === 'ring') return { kind: 'ring', cx: round2(cx), cy: round2(cy), r: round2(r), inner: round2(r * ringHole) };
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  const points: number[] = [];
  for (const [x, y] of unitPolygons[shape]) points.push(round2(cx + r * (x * cos - y * sin)), round2(cy + r * (x * sin + y * cos)));
  return { kind: 'polygon', points };
}

/** A polygon tracing the outline (circles as 32-gons), for the COCO "segmentation" field. */
export function outlinePolygon(outline: Outline): number[] {
  if (outline.kind === 'polygon') return outline.points;
  const points: number[] = [];
  for (let k = 0; k < 32; k++) {
    const angle = (2 * Math.PI * k) / 32;
    points.push(round2(outline.cx + outline.r * Math.cos(angle)), round2(outline.cy + outline.r * Math.sin(angle)));
  }
  return points;
}

/**
 * An SVG image drawn without anti-aliasing (crispEdges), so that a pixel belongs to a shape exactly when its
 * centre is inside it, the rule CoverageMap uses. The rendered image and the ground truth both go through here.
 */
export function svgDocument(width: number, height: number, content: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" shape-rendering="crispEdges">${content}</svg>`;
}

/** SVG geometry of an outline (the fill is the caller's). */
export function outlineSvg(outline: Outline, fill: string): string {
  if (outline.kind === 'disc') return `<circle cx="${outline.cx}" cy="${outline.cy}" r="${outline.r}" fill="${fill}"/>`;
  if (outline.kind === 'ring') {
    const { cx, cy, r, inner } = outline;
    const circle = (radius: number): string =>
      `M${round2(cx - radius)},${cy}A${radius},${radius} 0 1,0 ${round2(cx + radius)},${cy}A${radius},${radius} 0 1,0 ${round2(cx - radius)},${cy}Z`;
    return `<path d="${circle(r)}${circle(inner)}" fill-rule="evenodd" fill="${fill}"/>`;
  }
  const p = outline.points;
  let d = `M${p[0]},${p[1]}`;
  for (let i = 2; i < p.length; i += 2) d += `L${p[i]},${p[i + 1]}`;
  return `<path d="${d}Z" fill-rule="evenodd" fill="${fill}"/>`;
}

function regular(sides: number, start: number): Array<[number, number]> {
  return Array.from({ length: sides }, (_, k) => {
    const angle = start + (2 * Math.PI * k) / sides;
    return [Math.cos(angle), Math.sin(angle)] as [number, number];
  });
}

function shoelace(points: number[]): number {
  let twice = 0;
  for (let i = 0; i < points.length; i += 2) {
    const j = (i + 2) % points.length;
    twice += points[i]! * points[j + 1]! - points[j]! * points[i + 1]!;
  }
  return twice / 2;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
