"""The layout of a graph page: where each node stands, computed here in Python (numpy).

Fruchterman–Reingold with ideal edge length 1. Repulsion is exact for small components; for large
ones it is approximated on a pyramid of grids (each node feels the centroids of the cells in its
interaction list at every level, Barnes–Hut style, and its finest-level neighbours exactly), so an
iteration over 5,000 nodes costs tens of milliseconds. Components are laid out multilevel: leaves
are peeled off layer by layer, the core is laid out, then each layer is put back next to its parent
and the whole refined; overlaps are removed and the components packed side by side.

`layout_units(nodes, edges, radii)` gives positions in units of one ideal edge; `kg.export_html`
scales them to pixels and composes the pages. Deterministic: one seeded generator.
"""
from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, Iterable, Iterator, Sequence

import networkx
import numpy as np

__all__ = ["LAYOUT_SEED", "layout_units"]

LAYOUT_SEED = 20240501

_EXACT_MAX = 600
_OFF_X = np.repeat(np.arange(6), 6)[None, :]  # the 6×6 children of a parent's 3×3 block
_OFF_Y = np.tile(np.arange(6), 6)[None, :]


# A node feels at most this many nodes of each neighbouring cell exactly; where a cell is more
# crowded (a hub's many leaves stacked close) it feels an even sample of them, each weighted for
# the ones left out. Without the cap the pairs grow with the square of a crowded cell's population
# (126 million pairs, 5 GB, for a 24,000-node component).
_NEAR_CAP = 32


def _near_pairs(cx: np.ndarray, cy: np.ndarray, size: int
                ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Index pairs (i, j), i != j, of nodes in the same or adjacent cells of a size×size grid, and
    the weight of each pair (1, or more where a crowded cell was sampled): one block of arrays per
    neighbouring cell offset, so that callers hold a ninth of the pairs at a time (all of them
    were 1.4 GB for a 77,000-node component)."""
    n = len(cx)
    cell = cx * size + cy
    order = np.argsort(cell, kind="stable")
    # each cell's population and where its nodes start in `order` (a search per node was slower)
    population = np.bincount(cell, minlength=size * size)
    starts = np.cumsum(population) - population
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            tx, ty = cx + dx, cy + dy
            ok = (tx >= 0) & (tx < size) & (ty >= 0) & (ty < size)
            target = np.where(ok, tx * size + ty, 0)
            lo = starts[target]
            count = np.where(ok, population[target], 0)
            taken = np.minimum(count, _NEAR_CAP)
            total = int(taken.sum())
            if not total:
                continue
            first = np.repeat(np.arange(n), taken)
            k = np.arange(total) - np.repeat(np.cumsum(taken) - taken, taken)
            cell_count, cell_taken = np.repeat(count, taken), np.repeat(taken, taken)
            second = order[np.repeat(lo, taken) + k * cell_count // cell_taken]
            keep = first != second
            yield first[keep], second[keep], (cell_count / cell_taken)[keep]


def _far_field(px, py, pcx, pcy, size, mass, centre_x, centre_y):
    """Repulsion on points (px, py) lying in cells (pcx, pcy) from the centroids (centre_x,
    centre_y) of the cells of their interaction list: children of the parent cell's neighbours
    that are not adjacent."""
    xs = ((pcx >> 1) * 2 - 2)[:, None] + _OFF_X
    ys = ((pcy >> 1) * 2 - 2)[:, None] + _OFF_Y
    ok = (xs >= 0) & (xs < size) & (ys >= 0) & (ys < size)
    ok &= (np.abs(xs - pcx[:, None]) > 1) | (np.abs(ys - pcy[:, None]) > 1)
    ids = np.where(ok, xs * size + ys, 0)
    m = np.where(ok, mass[ids], 0.0)
    dx = px[:, None] - centre_x[ids]
    dy = py[:, None] - centre_y[ids]
    w = m / np.maximum(dx * dx + dy * dy, 1e-6)
    return (dx * w).sum(1), (dy * w).sum(1)


def _repulsion(pos: np.ndarray) -> np.ndarray:
    n = len(pos)
    if n <= _EXACT_MAX:
        d = pos[:, None, :] - pos[None, :, :]
        d2 = (d * d).sum(-1)
        np.fill_diagonal(d2, np.inf)
        return (d / np.maximum(d2, 1e-6)[..., None]).sum(1)
    lo = pos.min(0)
    span = max(float((pos.max(0) - lo).max()), 1e-9) * (1 + 1e-9)
    unit = (pos - lo) / span
    finest = max(2, int(math.ceil(math.log2(math.sqrt(n)))) + 1)
    fx = np.zeros(n)
    fy = np.zeros(n)
    cx = cy = np.zeros(n, dtype=np.intp)
    size = 1
    for level in range(2, finest + 1):
        size = 1 << level
        cx = np.minimum((unit[:, 0] * size).astype(np.intp), size - 1)
        cy = np.minimum((unit[:, 1] * size).astype(np.intp), size - 1)
        cell = cx * size + cy
        mass = np.bincount(cell, minlength=size * size).astype(float)
        sum_x = np.bincount(cell, pos[:, 0], size * size)
        sum_y = np.bincount(cell, pos[:, 1], size * size)
        # once per level, not once per node and cell of its interaction list
        centre_x, centre_y = sum_x / np.maximum(mass, 1.0), sum_y / np.maximum(mass, 1.0)
        occupied = np.nonzero(mass)[0]
        if level < finest and len(occupied) * 3 <= n:
            # Coarse level: one evaluation per occupied cell, at its centroid, shared by its nodes.
            gx, gy = _far_field(centre_x[occupied], centre_y[occupied], occupied // size,
                                occupied % size, size, mass, centre_x, centre_y)
            slot = np.zeros(size * size, dtype=np.intp)
            slot[occupied] = np.arange(len(occupied))
            fx += gx[slot[cell]]
            fy += gy[slot[cell]]
        else:
            gx, gy = _far_field(pos[:, 0], pos[:, 1], cx, cy, size, mass, centre_x, centre_y)
            fx += gx
            fy += gy
    for first, second, weight in _near_pairs(cx, cy, size):
        d = pos[first] - pos[second]
        w = weight / np.maximum((d * d).sum(1), 1e-6)
        fx += np.bincount(first, d[:, 0] * w, n)
        fy += np.bincount(first, d[:, 1] * w, n)
    return np.stack([fx, fy], 1)


def _fruchterman_reingold(pos: np.ndarray, heads: np.ndarray, tails: np.ndarray,
                          iterations: int, temperature: float) -> np.ndarray:
    n = len(pos)
    step_down = temperature / (iterations + 1)
    for _ in range(iterations):
        disp = _repulsion(pos)
        d = pos[heads] - pos[tails]
        dist = np.sqrt(np.maximum((d * d).sum(1), 1e-12))
        pull = d * dist[:, None]
        disp[:, 0] += np.bincount(tails, pull[:, 0], n) - np.bincount(heads, pull[:, 0], n)
        disp[:, 1] += np.bincount(tails, pull[:, 1], n) - np.bincount(heads, pull[:, 1], n)
        length = np.sqrt(np.maximum((disp * disp).sum(1), 1e-12))
        pos = pos + disp * (np.minimum(length, temperature) / length)[:, None]
        temperature -= step_down
    return pos


def _component_layout(n: int, heads: np.ndarray, tails: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Positions (ideal edge length 1) for one connected component with edges heads[i]–tails[i]."""
    if n == 1:
        return np.zeros((1, 2))
    if n == 2:
        return np.array([[-0.5, 0.0], [0.5, 0.0]])
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for a, b in zip(heads.tolist(), tails.tolist()):
        neighbours[a].append(b)
        neighbours[b].append(a)
    degree = np.array([len(x) for x in neighbours])
    alive = np.ones(n, dtype=bool)
    parent = np.full(n, -1)
    layers: list[np.ndarray] = []
    remaining = n
    while True:
        leaves = np.nonzero(alive & (degree <= 1))[0]
        if len(leaves) == 0 or remaining - len(leaves) < 3:
            break
        layers.append(leaves)
        alive[leaves] = False
        remaining -= len(leaves)
        for v in leaves.tolist():
            for w in neighbours[v]:
                if alive[w]:
                    parent[v] = w
                    degree[w] -= 1

    def refine(mask: np.ndarray, pos: np.ndarray, iterations: int, temperature: float) -> None:
        idx = np.nonzero(mask)[0]
        remap = np.full(n, -1)
        remap[idx] = np.arange(len(idx))
        keep = mask[heads] & mask[tails]
        pos[idx] = _fruchterman_reingold(pos[idx], remap[heads[keep]], remap[tails[keep]],
                                         iterations, temperature)

    pos = np.zeros((n, 2))
    placed = alive.copy()
    core = np.nonzero(alive)[0]
    pos[core] = rng.uniform(-1.0, 1.0, (len(core), 2)) * math.sqrt(len(core))
    refine(placed, pos, 80 if len(core) <= _EXACT_MAX else 30, max(1.0, math.sqrt(len(core)) / 3))
    refined_at = len(core)
    for number, layer in enumerate(reversed(layers)):
        children: dict[int, list[int]] = defaultdict(list)
        for v in layer.tolist():
            children[int(parent[v])].append(v)
        for p, kids in children.items():
            anchors = [pos[w] for w in neighbours[p] if placed[w]]
            away = pos[p] - np.mean(anchors, axis=0) if anchors else rng.normal(size=2)
            base = math.atan2(away[1], away[0])
            spread = min(2 * math.pi * (len(kids) - 1) / len(kids), 0.7 * (len(kids) - 1))
            for i, v in enumerate(kids):
                angle = base + (i / (len(kids) - 1) - 0.5) * spread if len(kids) > 1 else base
                pos[v] = pos[p] + (math.cos(angle), math.sin(angle))
        placed[layer] = True
        count = int(placed.sum())
        if count >= 1.25 * refined_at or number == len(layers) - 1:
            refine(placed, pos, 8 if count <= _EXACT_MAX else 5, 0.5)
            refined_at = count
    refine(placed, pos, 40 if n <= _EXACT_MAX else 10, 0.6)
    # FR's equilibrium stretches edges; scale so that the typical edge has the ideal length.
    lengths = np.sqrt(((pos[heads] - pos[tails]) ** 2).sum(1))
    typical = float(np.median(lengths)) if len(lengths) else 1.0
    return (pos - pos.mean(0)) / max(typical, 1e-6)


def _upright(block: np.ndarray) -> np.ndarray:
    """Turn a component so that its long axis is horizontal (screens are wide), centred."""
    block = block - block.mean(0)
    if len(block) < 3:
        return block
    _, vectors = np.linalg.eigh(block.T @ block)
    major = vectors[:, -1]
    if major[0] < 0 or (major[0] == 0 and major[1] < 0):
        major = -major  # fix the sign so that the result is deterministic
    rotation = np.array([[major[0], major[1]], [-major[1], major[0]]])
    return block @ rotation.T


def _pack(blocks: Sequence[np.ndarray], margins: Sequence[np.ndarray], gap: float = 0.4,
          aspect: float = 1.6) -> list[np.ndarray]:
    """Put laid-out components side by side in rows, tallest first, the rows about ``aspect``
    times as wide as they are tall overall; ``margins`` are the nodes' disc radii. Returns the
    moved blocks, in the order given."""
    if not blocks:
        return []
    boxes = []
    for block, margin in zip(blocks, margins):
        lo, hi = (block - margin[:, None]).min(0), (block + margin[:, None]).max(0)
        boxes.append((lo, hi - lo + gap))
    area = sum(float(size[0] * size[1]) for _, size in boxes)
    width = max(max(float(size[0]) for _, size in boxes), math.sqrt(area * aspect))
    order = sorted(range(len(blocks)), key=lambda i: (-round(float(boxes[i][1][1]), 6), i))
    moved: list[np.ndarray] = [np.zeros((0, 2))] * len(blocks)
    x = y = row_height = 0.0
    for i in order:
        lo, size = boxes[i]
        if x > 0 and x + size[0] > width:
            x, y = 0.0, y + row_height
            row_height = 0.0
        moved[i] = blocks[i] - lo + (x + gap / 2, y + gap / 2)
        x += float(size[0])
        row_height = max(row_height, float(size[1]))
    everything = np.concatenate(moved)
    centre = (everything.min(0) + everything.max(0)) / 2
    return [b - centre for b in moved]


# Passes of _separate: 40, but fewer (down to 3) for a component of more than 4,000 nodes, so
# that the work stays about 160,000 node-passes. A pass costs in proportion to the nodes, and a
# component of tens of thousands of nodes, its hubs' leaves packed in rings, is still crowded after
# 40 passes: they bought little and took two thirds of a 10,000-article build's HTML export (10
# passes over its 68,000-node component still took 15 of its 38 s of layout).
_SEPARATE_PASSES, _SEPARATE_MIN_PASSES, _SEPARATE_WORK = 40, 3, 160_000


def _separate(pos: np.ndarray, radii: np.ndarray, iterations: int | None = None) -> np.ndarray:
    """Push apart nodes whose discs (``radii``) overlap, keeping the layout's shape."""
    n = len(pos)
    if n < 2:
        return pos
    if iterations is None:
        iterations = max(_SEPARATE_MIN_PASSES, min(_SEPARATE_PASSES, _SEPARATE_WORK // n))
    pos = pos.copy()
    exact = [np.triu_indices(n, 1)] if n <= _EXACT_MAX else None
    for _ in range(iterations):
        if exact is None:
            cell = 2 * float(radii.max())
            lo = pos.min(0)
            size = int(min(2048, max(1, math.ceil(float((pos.max(0) - lo).max()) / cell) + 1)))
            cx = np.minimum(((pos[:, 0] - lo[0]) / cell).astype(np.intp), size - 1)
            cy = np.minimum(((pos[:, 1] - lo[1]) / cell).astype(np.intp), size - 1)
            # overlap is per pair: no weights; each pair once
            blocks = ((f[f < t], t[f < t]) for f, t, _ in _near_pairs(cx, cy, size))
        else:
            blocks = exact
        moves = np.zeros((n, 2))
        for firsts, seconds in blocks:
            _push_apart(pos, radii, firsts, seconds, moves)
        if not moves.any():
            break
        pos += moves
    return pos


def _push_apart(pos: np.ndarray, radii: np.ndarray, firsts: np.ndarray, seconds: np.ndarray,
                moves: np.ndarray) -> None:
    """Add to `moves` half of each overlap of the pairs' discs, along the line between them."""
    d = pos[seconds] - pos[firsts]
    dist = np.sqrt((d * d).sum(1))
    overlap = radii[firsts] + radii[seconds] - dist
    hit = overlap > 1e-3
    if not hit.any():
        return
    f, t, d, dist, overlap = firsts[hit], seconds[hit], d[hit], dist[hit], overlap[hit]
    # Coincident nodes part along a fixed, index-dependent direction (deterministic).
    angle = (f * 2.399963 + t) % (2 * math.pi)
    unit = np.where(dist[:, None] > 1e-9, d / np.maximum(dist, 1e-9)[:, None],
                    np.stack([np.cos(angle), np.sin(angle)], 1))
    push = unit * (overlap / 2)[:, None]
    n = len(pos)
    moves[:, 0] += np.bincount(t, push[:, 0], n) - np.bincount(f, push[:, 0], n)
    moves[:, 1] += np.bincount(t, push[:, 1], n) - np.bincount(f, push[:, 1], n)


def layout_units(nodes: Sequence[Any], edges: Iterable[tuple[Any, Any]], radii: np.ndarray | None = None,
                  seed: int = LAYOUT_SEED) -> np.ndarray:
    """Positions (typical edge length 1) for ``nodes`` (in that order): each connected component
    laid out, its nodes' discs (``radii``, same units) kept apart, and the components packed."""
    index = {node: i for i, node in enumerate(nodes)}
    radii = np.full(len(nodes), 0.3) if radii is None else np.asarray(radii, dtype=float)
    simple = networkx.Graph()
    simple.add_nodes_from(range(len(nodes)))
    simple.add_edges_from((index[u], index[v]) for u, v in edges if u != v)
    components = sorted((sorted(c) for c in networkx.connected_components(simple)),
                        key=lambda c: (-len(c), c[0]))
    rng = np.random.default_rng(seed)
    blocks, margins = [], []
    for comp in components:
        local = {v: i for i, v in enumerate(comp)}
        pairs = sorted((local[a], local[b]) for a, b in simple.subgraph(comp).edges())
        heads = np.array([a for a, _ in pairs], dtype=np.intp)
        tails = np.array([b for _, b in pairs], dtype=np.intp)
        block = _component_layout(len(comp), heads, tails, rng)
        block = _upright(_separate(block, radii[comp]))
        blocks.append(block)
        margins.append(radii[comp])
    out = np.zeros((len(nodes), 2))
    for comp, block in zip(components, _pack(blocks, margins)):
        out[comp] = block
    return out


