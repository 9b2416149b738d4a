/**
 * Demo 3D model: a binary glTF 2.0 (.glb) holding one flat-shaded, vertex-coloured low-poly shape.
 * Flat shading (vertices duplicated per face, face normals) keeps the faceted "demo" look and makes
 * the geometry trivially valid; colours come from the same seeded palette as the demo images.
 */
import { DEMO_BANNER, scenePalette } from './scene';
import { createRng, normaliseSeed, type Rgb } from './seed';

export interface DemoModelOptions {
  prompt: string;
  seed: number;
}

type Vec3 = [number, number, number];
type Shape = 'cube' | 'octahedron' | 'icosahedron' | 'rock';
const SHAPES: readonly Shape[] = ['cube', 'octahedron', 'icosahedron', 'rock'];

const GLB_MAGIC = 0x46546c67; // 'glTF'
const CHUNK_JSON = 0x4e4f534a; // 'JSON'
const CHUNK_BIN = 0x004e4942; // 'BIN\0'
const FLOAT = 5126;
const UNSIGNED_SHORT = 5123;
const ARRAY_BUFFER = 34962;
const ELEMENT_ARRAY_BUFFER = 34963;
const TRIANGLES = 4;

export function renderDemoModel({ prompt, seed }: DemoModelOptions): Buffer {
  const rng = createRng(normaliseSeed(seed) ^ 0x3d3d);
  const shape = SHAPES[Math.floor(rng() * SHAPES.length)] ?? 'icosahedron';
  const faces = buildFaces(shape, rng);
  const mesh = flatMesh(faces, scenePalette(seed), rng);

  // Binary layout: positions | normals | colours | indices, each view 4-byte aligned.
  const views = [
    { data: mesh.positions, target: ARRAY_BUFFER },
    { data: mesh.normals, target: ARRAY_BUFFER },
    { data: mesh.colors, target: ARRAY_BUFFER },
    { data: mesh.indices, target: ELEMENT_ARRAY_BUFFER },
  ];
  const bufferViews: { buffer: number; byteOffset: number; byteLength: number; target: number }[] = [];
  let offset = 0;
  for (const view of views) {
    bufferViews.push({
      buffer: 0,
      byteOffset: offset,
      byteLength: view.data.byteLength,
      target: view.target,
    });
    offset = align4(offset + view.data.byteLength);
  }
  const bin = Buffer.alloc(offset); // zero-filled, so inter-view padding is zeros
  views.forEach((view, i) => {
    const bytes = new Uint8Array(view.data.buffer, view.data.byteOffset, view.data.byteLength);
    bin.set(bytes, bufferViews[i]?.byteOffset ?? 0);
  });

  const vertexCount = mesh.positions.length / 3;
  const { min, max } = bounds(mesh.positions);
  const gltf = {
    asset: {
      version: '2.0',
      generator: 'Atelier demo',
      copyright: 'Procedurally generated demo output',
      extras: { label: DEMO_BANNER, prompt, seed: normaliseSeed(seed), shape },
    },
    scene: 0,
    scenes: [{ name: 'Atelier demo', nodes: [0] }],
    nodes: [{ name: `Atelier demo ${shape}`, mesh: 0 }],
    meshes: [
      {
        name: `demo-${shape}`,
        primitives: [
          {
            attributes: { POSITION: 0, NORMAL: 1, COLOR_0: 2 },
            indices: 3,
            material: 0,
            mode: TRIANGLES,
          },
        ],
      },
    ],
    materials: [
      {
        name: 'demo-material',
        // White base so the vertex colours show as-is; slightly glossy plastic.
        pbrMetallicRoughness: { baseColorFactor: [1, 1, 1, 1], metallicFactor: 0.05, roughnessFactor: 0.55 },
      },
    ],
    buffers: [{ byteLength: bin.length }],
    bufferViews,
    accessors: [
      { bufferView: 0, componentType: FLOAT, count: vertexCount, type: 'VEC3', min, max },
      { bufferView: 1, componentType: FLOAT, count: vertexCount, type: 'VEC3' },
      { bufferView: 2, componentType: FLOAT, count: vertexCount, type: 'VEC3' },
      { bufferView: 3, componentType: UNSIGNED_SHORT, count: mesh.indices.length, type: 'SCALAR' },
    ],
  };
  return packGlb(gltf, bin);
}

/** GLB container: 12-byte header, JSON chunk padded with spaces, BIN chunk padded with zeros. */
export function packGlb(json: unknown, bin: Uint8Array): Buffer {
  const jsonBytes = Buffer.from(JSON.stringify(json), 'utf8');
  const jsonChunk = Buffer.alloc(align4(jsonBytes.length), 0x20);
  jsonBytes.copy(jsonChunk);
  const binChunk = Buffer.alloc(align4(bin.length));
  binChunk.set(bin);

  const total = 12 + 8 + jsonChunk.length + 8 + binChunk.length;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(GLB_MAGIC, 0);
  out.writeUInt32LE(2, 4);
  out.writeUInt32LE(total, 8);
  out.writeUInt32LE(jsonChunk.length, 12);
  out.writeUInt32LE(CHUNK_JSON, 16);
  jsonChunk.copy(out, 20);
  const binStart = 20 + jsonChunk.length;
  out.writeUInt32LE(binChunk.length, binStart);
  out.writeUInt32LE(CHUNK_BIN, binStart + 4);
  binChunk.copy(out, binStart + 8);
  return out;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Min/max per component, read back from the Float32Array so they match the stored float32 values
 * exactly (validators compare against the binary data, not the float64 we computed).
 */
function bounds(positions: Float32Array): { min: number[]; max: number[] } {
  const min = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  const max = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let i = 0; i < positions.length; i++) {
    const v = positions[i] ?? 0;
    const c = i % 3;
    min[c] = Math.min(min[c] ?? v, v);
    max[c] = Math.max(max[c] ?? v, v);
  }
  return { min, max };
}

const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
const normalise = (a: Vec3): Vec3 => scale(a, 1 / (Math.hypot(a[0], a[1], a[2]) || 1));
const distance = (a: Vec3, b: Vec3): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/**
 * Faces of a convex solid centred on the origin, as vertex loops. Triangle faces are found from
 * edge lengths rather than hand-written tables (less room for typos); winding is fixed later.
 */
function buildFaces(shape: Shape, rng: () => number): Vec3[][] {
  if (shape === 'cube') {
    const faces: Vec3[][] = [];
    for (let axis = 0; axis < 3; axis++) {
      for (const sign of [-1, 1]) {
        const corners: [number, number][] = [
          [-1, -1],
          [1, -1],
          [1, 1],
          [-1, 1],
        ];
        faces.push(
          corners.map(([u, v]) => {
            const p: Vec3 = [0, 0, 0];
            p[axis] = sign;
            p[(axis + 1) % 3] = u;
            p[(axis + 2) % 3] = v;
            return scale(p, 0.5);
          }),
        );
      }
    }
    return faces;
  }
  if (shape === 'octahedron') {
    const vertices: Vec3[] = [
      [1, 0, 0],
      [-1, 0, 0],
      [0, 1, 0],
      [0, -1, 0],
      [0, 0, 1],
      [0, 0, -1],
    ];
    return trianglesWithEdge(vertices, Math.SQRT2).map((face) => face.map((p) => scale(p, 0.7)));
  }
  const phi = (1 + Math.sqrt(5)) / 2;
  const vertices: Vec3[] = [];
  for (const a of [-1, 1]) {
    for (const b of [-phi, phi]) {
      vertices.push([0, a, b], [a, b, 0], [b, 0, a]);
    }
  }
  let faces = trianglesWithEdge(vertices, 2).map((face) => face.map(normalise));
  if (shape === 'icosahedron') return faces.map((face) => face.map((p) => scale(p, 0.6)));

  // "Rock": subdivide once, then push vertices in/out by a smooth seeded function of direction.
  // Being a pure function of position, shared vertices move identically and the mesh stays closed.
  faces = faces.flatMap(([a, b, c]) => {
    if (!a || !b || !c) return [];
    const ab = normalise(scale([a[0] + b[0], a[1] + b[1], a[2] + b[2]], 0.5));
    const bc = normalise(scale([b[0] + c[0], b[1] + c[1], b[2] + c[2]], 0.5));
    const ca = normalise(scale([c[0] + a[0], c[1] + a[1], c[2] + a[2]], 0.5));
    return [
      [a, ab, ca],
      [ab, b, bc],
      [ca, bc, c],
      [ab, bc, ca],
    ];
  });
  const waves = Array.from({ length: 3 }, () => ({
    dir: normalise([rng() * 2 - 1, rng() * 2 - 1, rng() * 2 - 1]),
    freq: 2 + rng() * 3,
    phase: rng() * Math.PI * 2,
  }));
  const displace = (p: Vec3): Vec3 => {
    let r = 1;
    for (const w of waves) r += 0.08 * Math.sin(dot(p, w.dir) * w.freq + w.phase);
    return scale(p, 0.6 * r);
  };
  return faces.map((face) => face.map(displace));
}

/** All vertex triples whose three pairwise distances equal `edge` (faces of a regular solid). */
function trianglesWithEdge(vertices: readonly Vec3[], edge: number): Vec3[][] {
  const isEdge = (a: Vec3, b: Vec3): boolean => Math.abs(distance(a, b) - edge) < 1e-6;
  const faces: Vec3[][] = [];
  vertices.forEach((a, i) => {
    vertices.forEach((b, j) => {
      if (j <= i || !isEdge(a, b)) return;
      vertices.forEach((c, k) => {
        if (k > j && isEdge(a, c) && isEdge(b, c)) faces.push([a, b, c]);
      });
    });
  });
  return faces;
}

/** sRGB byte to linear float: glTF vertex colours are linear. */
function toLinear(channel: number): number {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

interface FlatMesh {
  positions: Float32Array;
  normals: Float32Array;
  colors: Float32Array;
  indices: Uint16Array;
}

/**
 * Duplicates vertices per face with the face normal and a face colour (palette gradient by height
 * plus a little seeded variation), fan-triangulating each loop. Loops are flipped when needed so
 * every triangle winds counter-clockwise seen from outside, as glTF expects for front faces.
 */
function flatMesh(
  faces: Vec3[][],
  palette: { from: Rgb; to: Rgb; accent: Rgb },
  rng: () => number,
): FlatMesh {
  const positions: number[] = [];
  const normals: number[] = [];
  const colors: number[] = [];
  const indices: number[] = [];
  for (const loop of faces) {
    const [p0, p1, p2] = loop;
    if (!p0 || !p1 || !p2) continue;
    const centroid = scale(
      loop.reduce<Vec3>((acc, p) => [acc[0] + p[0], acc[1] + p[1], acc[2] + p[2]], [0, 0, 0]),
      1 / loop.length,
    );
    let normal = normalise(cross(sub(p1, p0), sub(p2, p0)));
    const ordered = dot(normal, centroid) < 0 ? [...loop].reverse() : loop;
    if (ordered !== loop) normal = scale(normal, -1);

    const t = Math.min(1, Math.max(0, centroid[1] + 0.5));
    const shade = 0.85 + rng() * 0.3;
    const accentMix = rng() < 0.12 ? 0.6 : 0; // the odd accent-coloured facet
    const color = [0, 1, 2].map((c) => {
      const base = (palette.from[c] ?? 0) + ((palette.to[c] ?? 0) - (palette.from[c] ?? 0)) * t;
      const mixed = base + ((palette.accent[c] ?? 0) - base) * accentMix;
      return toLinear(Math.min(255, mixed * shade));
    });

    const first = positions.length / 3;
    for (const p of ordered) {
      positions.push(...p);
      normals.push(...normal);
      colors.push(...color);
    }
    for (let i = 1; i + 1 < ordered.length; i++) indices.push(first, first + i, first + i + 1);
  }
  return {
    positions: Float32Array.from(positions),
    normals: Float32Array.from(normals),
    colors: Float32Array.from(colors),
    indices: Uint16Array.from(indices),
  };
}
