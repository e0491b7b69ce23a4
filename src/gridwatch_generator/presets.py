"""Size presets and the synthetic geography (reference data) they imply.

Calibration (``street``) follows published figures of Shenzhen Longgang's
Pinghu street (平湖街道) in the 2021 summer wave: 12 communities, 452 grids,
11 community checkpoints, up to ~2,500 pushed records a day at the peak,
24 topics over ~138 batches in a wave, ~4,100 persons verified and ~2,400
put under management.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import names


@dataclass(frozen=True)
class Preset:
    name: str
    districts: int
    streets: int  # total streets
    communities_per_street: tuple[int, int]  # inclusive range
    grids_per_street: tuple[int, int]
    checkpoints_per_street: int
    push_peak: int  # push records on the peak day of a wave (all streets)
    batches_per_wave: int
    topics_per_wave: int
    checkpoint_events: int  # checkpoint events per day (all streets)
    enterprises_per_street: int
    wave_days: int = 21

    @property
    def mean_batch_size(self) -> float:
        # a wave carries ~3.9 peak-days of records (see simulate/timeline.py, wave_profile)
        return max(4.0, self.push_peak * 3.9 / self.batches_per_wave)


PRESETS: dict[str, Preset] = {
    "mini": Preset(
        name="mini",
        districts=1,
        streets=1,
        communities_per_street=(3, 3),
        grids_per_street=(6, 6),
        checkpoints_per_street=2,
        push_peak=40,
        batches_per_wave=12,
        topics_per_wave=5,
        checkpoint_events=60,
        enterprises_per_street=12,
    ),
    "street": Preset(
        name="street",
        districts=1,
        streets=1,
        communities_per_street=(12, 12),
        grids_per_street=(452, 452),
        checkpoints_per_street=11,
        push_peak=2500,
        batches_per_wave=138,
        topics_per_wave=24,
        checkpoint_events=30_000,
        enterprises_per_street=300,
    ),
    "district": Preset(
        name="district",
        districts=1,
        streets=10,
        communities_per_street=(8, 14),
        grids_per_street=(300, 460),
        checkpoints_per_street=11,
        push_peak=20_000,
        batches_per_wave=150,
        topics_per_wave=26,
        checkpoint_events=300_000,
        enterprises_per_street=300,
    ),
    "city": Preset(
        name="city",
        districts=10,
        streets=74,
        communities_per_street=(6, 12),
        grids_per_street=(150, 400),
        checkpoints_per_street=11,
        push_peak=50_000,
        batches_per_wave=180,
        topics_per_wave=30,
        checkpoint_events=5_000_000,
        enterprises_per_street=300,
    ),
}


@dataclass
class Community:
    code: str
    name: str
    street_index: int
    grids: list[tuple[str, str]] = field(default_factory=list)  # (code, name)


@dataclass
class Street:
    code: str
    name: str
    district_code: str
    district_name: str
    communities: list[int] = field(default_factory=list)  # indexes into Geography.communities
    checkpoints: list[int] = field(default_factory=list)


@dataclass
class Checkpoint:
    code: str
    name: str
    community: int
    kind: str  # PEDESTRIAN / VEHICLE


@dataclass
class Geography:
    streets: list[Street]
    communities: list[Community]
    checkpoints: list[Checkpoint]

    def area_rows(self) -> list[list[str]]:
        rows = []
        for st in self.streets:
            for ci in st.communities:
                c = self.communities[ci]
                rows.append([st.district_code, st.district_name, st.code, st.name, c.code, c.name])
        return rows

    def grid_rows(self) -> list[list[str]]:
        return [[g, n, c.code] for c in self.communities for g, n in c.grids]

    def checkpoint_rows(self) -> list[list[str]]:
        return [
            [cp.code, cp.name, self.communities[cp.community].code, cp.kind]
            for cp in self.checkpoints
        ]


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split ``total`` into ``parts`` positive integers, roughly even."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    s = sum(weights)
    sizes = [max(1, int(total * w / s)) for w in weights]
    i = 0
    while sum(sizes) < total:
        sizes[i % parts] += 1
        i += 1
    while sum(sizes) > total:
        j = max(range(parts), key=lambda k: sizes[k])
        sizes[j] -= 1
    return sizes


def build_geography(preset: Preset, rng: random.Random) -> Geography:
    """Districts, streets, communities, grids and checkpoints for a preset.

    Names are unique city-wide so that matching by name is unambiguous.
    """
    taken: set[str] = set(names.PINGHU_COMMUNITIES)
    taken.update(n for _, n in names.LONGGANG_STREETS)
    streets: list[Street] = []
    communities: list[Community] = []
    checkpoints: list[Checkpoint] = []

    # Street list: Longgang streets first (平湖 = 440307011), then other districts.
    street_specs: list[tuple[str, str, str, str]] = []  # (code, name, district code/name)
    districts = names.SHENZHEN_DISTRICTS[: preset.districts]
    per_district = (
        _split(preset.streets, len(districts), rng) if preset.districts > 1 else [preset.streets]
    )
    for (dcode, dname), nst in zip(districts, per_district, strict=True):
        if dcode == "440307":
            known = list(names.LONGGANG_STREETS[:nst])
            extra = nst - len(known)
        else:
            known, extra = [], nst
        specs = list(known)
        seq = 13 if dcode == "440307" else 1
        for nm in names.place_names(rng, extra, names.STREET_SUFFIX, taken):
            specs.append((f"{seq:03d}", nm))
            seq += 1
        for suffix, nm in specs:
            street_specs.append((dcode + suffix, nm, dcode, dname))

    for si, (scode, sname, dcode, dname) in enumerate(street_specs):
        st = Street(scode, sname, dcode, dname)
        lo, hi = preset.communities_per_street
        ncom = rng.randint(lo, hi)
        if si == 0 and scode == "440307011":
            cnames = list(names.PINGHU_COMMUNITIES[:ncom])
            if ncom > len(cnames):
                cnames += names.place_names(rng, ncom - len(cnames), names.COMMUNITY_SUFFIX, taken)
        else:
            cnames = names.place_names(rng, ncom, names.COMMUNITY_SUFFIX, taken)
        glo, ghi = preset.grids_per_street
        grid_counts = _split(rng.randint(glo, ghi), ncom, rng)
        for k, (cname, ngrid) in enumerate(zip(cnames, grid_counts, strict=True)):
            ccode = f"{scode}{k + 1:03d}"
            com = Community(ccode, cname, si)
            width = 2 if ngrid < 100 else 3
            com.grids = [
                (f"{ccode}-{g:0{width}d}", f"{cname}第{g}网格") for g in range(1, ngrid + 1)
            ]
            st.communities.append(len(communities))
            communities.append(com)
        streets.append(st)

    total_cp = preset.checkpoints_per_street * len(streets)
    width = max(3, len(str(total_cp)))
    n = 0
    for st in streets:
        per_com: dict[int, int] = {}
        for k in range(preset.checkpoints_per_street):
            ci = st.communities[k % len(st.communities)]
            per_com[ci] = per_com.get(ci, 0) + 1
            n += 1
            vehicle = k % 4 == 1
            cname = communities[ci].name
            label = f"{cname}车行卡点{per_com[ci]}" if vehicle else f"{cname}{per_com[ci]}号卡点"
            cp = Checkpoint(f"CP{n:0{width}d}", label, ci, "VEHICLE" if vehicle else "PEDESTRIAN")
            st.checkpoints.append(len(checkpoints))
            checkpoints.append(cp)
    return Geography(streets, communities, checkpoints)
