"""The neighbourhood's space: buildings, compounds, service centres and walking minutes.

Buildings stand on a square lattice (``building_spacing_m`` apart, with a little jitter);
blocks of neighbouring buildings form compounds, each with a public space at its
centroid, and ``compound_gap_m`` sets compounds apart (a street of several compounds
rather than one estate). Centres are placed centrally, spread for coverage (k-means on
resident locations), on the edge, or outside the estate (a kilometre beyond its edge).
Walking minutes from every building to every centre are computed once: straight-line
distance times a route detour factor over walking speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.vq import kmeans2
from scipy.spatial import cKDTree

from commsim.config.declaration import Params
from commsim.mechanisms import distance_decay

LIFE_CIRCLE_MINUTES = 15.0
NEAREST_CENTRES = 3
KMEANS_PLUS_PLUS_LIMIT = 64
JITTER = 0.25  # buildings are displaced up to this share of the spacing in each coordinate
CENTRAL_RING_M = 80.0  # central placement: centre k stands CENTRAL_RING_M * sqrt(k) from the middle
RESIDENTS_PER_KMEANS_POINT = 10  # spread placement weighs buildings by residents / this
# Outside placement: centres stand this far beyond the estate's edge, as when its residents
# use the street's centre; beyond the 15-minute circle at the default walk (923 m).
OUTSIDE_OFFSET_M = 1000.0


@dataclass(frozen=True, slots=True)
class Layout:
    """Geometry of a neighbourhood, fixed for a run.

    Attributes:
        building_xy: Building positions in metres, shape (buildings, 2), ordered by compound.
        building_compound: Compound of each building.
        building_residents: Number of resident slots in each building.
        building_start: Index of each building's first resident slot (slots are ordered
            by building); length buildings + 1.
        compound_xy: Position of each compound's public space in metres.
        compound_building_start: First building of each compound; length compounds + 1.
        centre_xy: Centre positions in metres, shape (centres, 2).
        centre_minutes: Walking minutes from each building to each centre, (buildings, centres).
        compound_minutes: Walking minutes from each building to its compound's public space.
        near_centres: The nearest centres of each building, (buildings, k), -1 if none.
        near_centre_weights: Choice weights of those centres (distance decay), rows sum to 1.
        metres_per_cell: Physical size of one grid cell.
        extent_m: Side of the square area in metres.
    """

    building_xy: np.ndarray
    building_compound: np.ndarray
    building_residents: np.ndarray
    building_start: np.ndarray
    compound_xy: np.ndarray
    compound_building_start: np.ndarray
    centre_xy: np.ndarray
    centre_minutes: np.ndarray
    compound_minutes: np.ndarray
    near_centres: np.ndarray
    near_centre_weights: np.ndarray
    metres_per_cell: float
    extent_m: float

    @property
    def n_buildings(self) -> int:
        """Number of buildings."""
        return len(self.building_xy)

    @property
    def n_compounds(self) -> int:
        """Number of compounds."""
        return len(self.compound_xy)

    @property
    def n_centres(self) -> int:
        """Number of service centres."""
        return len(self.centre_xy)

    @property
    def building_cells(self) -> np.ndarray:
        """Grid cell (column, row) of each building."""
        return np.floor(self.building_xy / self.metres_per_cell).astype(np.int64)

    def nearest_centre_minutes(self) -> np.ndarray:
        """Walking minutes from each building to its nearest centre (inf without centres)."""
        if self.n_centres == 0:
            return np.full(self.n_buildings, np.inf)
        return self.centre_minutes.min(axis=1)

    def near_centres_in_circle(self, open_centres: np.ndarray | None = None) -> np.ndarray:
        """How many of each building's nearest centres lie within the 15-minute walk (0 to k).

        Args:
            open_centres: Which centres count (for instance those holding sessions this
                week), one flag per centre; None counts every centre.
        """
        if self.n_centres == 0:
            return np.zeros(self.n_buildings, dtype=np.int64)
        minutes = np.take_along_axis(self.centre_minutes, self.near_centres, axis=1)
        within = minutes <= LIFE_CIRCLE_MINUTES
        if open_centres is not None:
            within &= np.asarray(open_centres, dtype=bool)[self.near_centres]
        return within.sum(axis=1).astype(np.int64)


def walking_minutes(
    origins: np.ndarray, destinations: np.ndarray, *, detour: float, speed_m_per_min: float
) -> np.ndarray:
    """Walking minutes between every origin and destination.

    Args:
        origins: Positions in metres, shape (n, 2).
        destinations: Positions in metres, shape (m, 2).
        detour: Route length over straight-line distance.
        speed_m_per_min: Walking speed.

    Returns:
        Array of shape (n, m).
    """
    delta = origins[:, None, :] - destinations[None, :, :]
    return np.sqrt((delta**2).sum(axis=-1)) * detour / speed_m_per_min


def place_centres(
    n_centres: int,
    placement: str,
    building_xy: np.ndarray,
    building_weight: np.ndarray,
    extent_m: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Choose centre positions.

    Args:
        n_centres: How many centres.
        placement: ``central`` (clustered at the middle), ``spread`` (k-means on
            residents, the coverage-maximising choice), ``edge`` (along the boundary) or
            ``outside`` (as ``edge``, moved ``OUTSIDE_OFFSET_M`` outwards).
        building_xy: Building positions in metres.
        building_weight: Residents per building (k-means weights).
        extent_m: Side of the area in metres.
        rng: Random generator.

    Returns:
        Centre positions, shape (n_centres, 2).
    """
    if n_centres == 0:
        return np.zeros((0, 2))
    middle = np.array([extent_m / 2, extent_m / 2])
    if placement == "central":
        angles = np.linspace(0, 2 * np.pi, n_centres, endpoint=False)
        radius = np.where(np.arange(n_centres) == 0, 0.0, CENTRAL_RING_M * np.sqrt(np.arange(n_centres)))
        return middle + radius[:, None] * np.column_stack([np.cos(angles), np.sin(angles)])
    if placement in ("edge", "outside"):
        position = (np.arange(n_centres) + 0.5) / n_centres * 4 * extent_m
        side, offset = np.divmod(position, extent_m)
        corners = {
            0: (offset, 0 * offset),
            1: (extent_m + 0 * offset, offset),
            2: (extent_m - offset, extent_m + 0 * offset),
            3: (0 * offset, extent_m - offset),
        }
        outward = {0: (0.0, -1.0), 1: (1.0, 0.0), 2: (0.0, 1.0), 3: (-1.0, 0.0)}
        xy = np.zeros((n_centres, 2))
        for s, (x, y) in corners.items():
            mask = side == s
            xy[mask, 0], xy[mask, 1] = x[mask], y[mask]
            if placement == "outside":
                xy[mask] += OUTSIDE_OFFSET_M * np.array(outward[s])
        return xy
    if n_centres >= len(building_xy):
        return building_xy.copy()[:n_centres]
    points = np.repeat(building_xy, np.maximum(1, building_weight // RESIDENTS_PER_KMEANS_POINT), axis=0)
    seed = int(rng.integers(2**31))
    if n_centres <= KMEANS_PLUS_PLUS_LIMIT:
        centroids, _ = kmeans2(points, n_centres, minit="++", seed=seed)
        return centroids
    # k-means++ seeding costs O(points x centres^2): with hundreds of centres it dominated
    # construction (18 s of 24 s at a million residents). Larger layouts start from
    # distinct buildings drawn at random and rely on Lloyd's iterations.
    start = building_xy[np.random.default_rng(seed).choice(len(building_xy), n_centres, replace=False)]
    centroids, _ = kmeans2(points, start.astype(float), minit="matrix", seed=seed)
    return centroids


def building_count(n_residents: int, residents_per_building: float, map_residents: int) -> int:
    """Buildings of the map: for ``map_residents`` residents when positive, else for ``n_residents``.

    A map laid out for more residents than the run has keeps its buildings (each holding
    fewer residents), down to one resident per building.

    Args:
        n_residents: Residents of the run.
        residents_per_building: Residents per building on the map.
        map_residents: Residents the map is laid out for (0: the run's own).

    Returns:
        The number of buildings, at least 1.
    """
    laid_out_for = map_residents if map_residents > 0 else n_residents
    return max(1, min(int(round(laid_out_for / residents_per_building)), n_residents))


def building_lattice(
    n_buildings: int, spacing: float, block: int, gap: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, float]:
    """Buildings on a square lattice, in square blocks (compounds) with a gap between blocks.

    A street (sub-district) is not one continuous estate: its compounds are separated by
    roads, schools, parks and shops, which ``gap`` stands for. Without a gap the blocks
    touch and the lattice is the dense estate.

    Args:
        n_buildings: Buildings.
        spacing: Distance between neighbouring buildings of a compound (m).
        block: Buildings along each side of a compound's block.
        gap: Extra distance between neighbouring blocks (m).
        rng: Random generator (the jitter of each building).

    Returns:
        Building positions in metres (lattice order), each building's block number, and
        the side of the square area in metres.
    """
    side = int(np.ceil(np.sqrt(n_buildings)))
    blocks_per_row = int(np.ceil(side / block))
    cols, rows = np.divmod(np.arange(n_buildings), side)
    xy = (np.column_stack([cols, rows]) + 0.5) * spacing
    xy += rng.uniform(-JITTER, JITTER, size=xy.shape) * spacing
    xy += np.column_stack([cols // block, rows // block]) * gap
    extent = side * spacing + (blocks_per_row - 1) * gap
    return xy, (rows // block) * blocks_per_row + cols // block, float(extent)


def build_layout(params: Params, rng: np.random.Generator) -> Layout:
    """Lay out buildings, compounds and centres for a parameter set.

    Args:
        params: Resolved parameters (profile and policy).
        rng: Random generator.

    Returns:
        The neighbourhood layout.
    """
    n_residents = params["n_residents"]
    n_buildings = building_count(n_residents, params["residents_per_building"], params["map_residents"])
    block = max(1, int(round(np.sqrt(params["buildings_per_compound"]))))
    xy, compound_raw, extent = building_lattice(
        n_buildings, params["building_spacing_m"], block, params["compound_gap_m"], rng
    )
    order = np.argsort(compound_raw, kind="stable")
    xy = xy[order]
    _, compound = np.unique(compound_raw[order], return_inverse=True)
    n_compounds = int(compound.max()) + 1
    compound_building_start = np.searchsorted(compound, np.arange(n_compounds + 1))
    compound_xy = np.column_stack([np.bincount(compound, weights=xy[:, k]) / np.bincount(compound) for k in (0, 1)])

    # Resident slots per building: as equal as possible, remainder spread at random.
    residents = np.full(n_buildings, n_residents // n_buildings)
    residents[rng.choice(n_buildings, n_residents % n_buildings, replace=False)] += 1
    building_start = np.concatenate([[0], np.cumsum(residents)])

    detour, speed = params["route_detour"], params["walking_speed_m_per_min"]
    centre_xy = place_centres(params["n_centres"], params["centre_placement"], xy, residents, extent, rng)
    centre_minutes = walking_minutes(xy, centre_xy, detour=detour, speed_m_per_min=speed)
    compound_minutes = np.sqrt(((xy - compound_xy[compound]) ** 2).sum(axis=1)) * detour / speed

    k = min(NEAREST_CENTRES, len(centre_xy))
    if k:
        tree = cKDTree(centre_xy)
        _, near = tree.query(xy, k=k)
        near = near.reshape(n_buildings, k)
        km = np.take_along_axis(centre_minutes, near, axis=1) * speed / 1000.0
        weights = distance_decay(km, params["distance_decay_per_km"])
        weights /= weights.sum(axis=1, keepdims=True)
    else:
        near = np.full((n_buildings, 1), -1)
        weights = np.zeros((n_buildings, 1))
    return Layout(
        building_xy=xy,
        building_compound=compound,
        building_residents=residents,
        building_start=building_start,
        compound_xy=compound_xy,
        compound_building_start=compound_building_start,
        centre_xy=centre_xy,
        centre_minutes=centre_minutes,
        compound_minutes=compound_minutes,
        near_centres=near,
        near_centre_weights=weights,
        metres_per_cell=params["metres_per_cell"],
        extent_m=extent,
    )


def life_circle_coverage(layout: Layout) -> float:
    """Share of residents within 15 walking minutes of a centre (the 15-minute circle)."""
    covered = layout.nearest_centre_minutes() <= LIFE_CIRCLE_MINUTES
    return float(layout.building_residents[covered].sum() / layout.building_residents.sum())
