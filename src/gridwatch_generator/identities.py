"""Identity numbers, phones and credit codes, valid (or deliberately not).

RIC region codes are taken from python-stdnum's own region database
(``stdnum/cn/loc.dat``) together with the years each code was in force, so a
generated number is accepted by ``stdnum.cn.ric.is_valid`` exactly when we
mean it to be. Check characters are computed with stdnum's functions.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

# Provinces people pushed to a Shenzhen street come from, with weights.
_PROVINCE_WEIGHTS: dict[str, float] = {
    "44": 34.0,  # 广东
    "43": 12.0,  # 湖南
    "45": 7.0,  # 广西
    "42": 7.0,  # 湖北
    "36": 6.0,  # 江西
    "51": 5.0,  # 四川
    "41": 5.0,  # 河南
    "35": 3.0,  # 福建
    "50": 2.0,  # 重庆
    "52": 2.0,  # 贵州
    "32": 2.5,  # 江苏
    "34": 1.5,  # 安徽
    "37": 1.5,  # 山东
    "11": 1.0,  # 北京
    "31": 1.0,  # 上海
    "61": 1.0,  # 陕西
    "13": 1.0,  # 河北
    "23": 0.8,  # 黑龙江
    "53": 1.0,  # 云南
    "46": 0.7,  # 海南
    "12": 0.5,  # 天津
    "21": 0.8,  # 辽宁
    "14": 0.5,  # 山西
    "33": 1.0,  # 浙江
}
_SHENZHEN_WEIGHT = 0.45  # share of the 广东 weight that goes to 4403xx codes

_RANGE = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    years: tuple[tuple[int, int], ...]  # birth-year ranges the code is accepted for

    def accepts(self, year: int) -> bool:
        return any(lo <= year <= hi for lo, hi in self.years)


def _parse_loc() -> list[Region]:
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    regions: list[Region] = []
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code4, _, rest = line.strip().partition(" ")
        if len(province) != 2 or len(code4) != 4 or code4.endswith("00") or code4[2:] == "01":
            continue  # province/prefecture rows and 市辖区 are not used on real cards
        value = rest.partition("=")[2].strip().strip('"')
        years: list[tuple[int, int]] = []
        for county in value.split(","):
            m = _RANGE.match(county)
            if not m:
                years = [(1900, 2100)]
                break
            lo = int(m.group(1)) if m.group(1) else 1900
            hi = int(m.group(2)) if m.group(2) else 2100
            if lo <= hi:
                years.append((lo, hi))
        if years:
            regions.append(Region(province + code4, tuple(years)))
    return regions


@cache
def region_table() -> tuple[tuple[Region, ...], tuple[float, ...]]:
    """Regions with cumulative weights (province weight spread over its codes)."""
    regions = [r for r in _parse_loc() if r.code[:2] in _PROVINCE_WEIGHTS]
    by_prov: dict[str, list[Region]] = {}
    for r in regions:
        key = "4403" if r.code.startswith("4403") else r.code[:2]
        by_prov.setdefault(key, []).append(r)
    out: list[Region] = []
    cum: list[float] = []
    total = 0.0
    for key in sorted(by_prov):
        if key == "4403":
            weight = _PROVINCE_WEIGHTS["44"] * _SHENZHEN_WEIGHT
        elif key == "44":
            weight = _PROVINCE_WEIGHTS["44"] * (1 - _SHENZHEN_WEIGHT)
        else:
            weight = _PROVINCE_WEIGHTS[key]
        members = by_prov[key]
        for r in members:
            total += weight / len(members)
            out.append(r)
            cum.append(total)
    return tuple(out), tuple(cum)


def _birth_year(rng: random.Random, max_year: int) -> int:
    # Working-age heavy population pyramid: mostly 18-60, some children and elderly.
    u = rng.random()
    if u < 0.12:
        age = rng.randint(1, 17)
    elif u < 0.88:
        age = rng.randint(18, 59)
    else:
        age = rng.randint(60, 88)
    return max_year + 1 - age


MIN_BIRTH_YEAR = 1900  # contract §3: a valid RIC birth date lies from 1900-01-01
_MAX_TRIES = 10_000  # draws before giving up on an impossible birth-year range


def make_ric(rng: random.Random, male: bool, max_year: int, min_year: int = MIN_BIRTH_YEAR) -> str:
    """A valid 18-character RIC (``min_year`` <= birth year <= ``max_year``).

    Raises ValueError when no region code is in force for any year of that range.
    """
    regions, cum = region_table()
    for _ in range(_MAX_TRIES):
        region = rng.choices(regions, cum_weights=cum, k=1)[0]
        year = _birth_year(rng, max_year)
        if year >= min_year and region.accepts(year):
            break
    else:
        raise ValueError(
            f"no region code is in force for a birth year from {min_year} to {max_year}: "
            "choose another start date"
        )
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    seq = rng.randint(0, 499) * 2 + (1 if male else 0)
    body = f"{region.code}{year:04d}{month:02d}{day:02d}{seq:03d}"
    return body + stdnum_ric.calc_check_digit(body + "0")


def old_ric_years(max_year: int) -> tuple[int, int]:
    """Birth years of first-generation (15-digit) cards for people born by ``max_year``.

    Old cards belong to older people (1935-1985 when possible); a 15-digit number
    only stands for 19xx, and the contract knows no birth date before 1900.
    """
    hi = min(max_year, 1985)
    lo = 1935 if hi >= 1935 else max(MIN_BIRTH_YEAR, max_year - 60)
    if hi < lo:
        raise ValueError(
            f"no first-generation ID card can have a birth year in {lo}-{hi} "
            f"(born by {max_year}): use a later start date"
        )
    return lo, hi


def make_old_ric(rng: random.Random, male: bool, max_year: int) -> str:
    """A 15-digit first-generation ID number whose 18-digit form is valid.

    Raises ValueError (never loops forever) when no such number exists for ``max_year``.
    """
    lo, hi = old_ric_years(max_year)
    for _ in range(_MAX_TRIES):
        full = make_ric(rng, male, min(max_year, 1999))
        if lo <= int(full[6:10]) <= hi:
            return full[:6] + full[8:17]
    raise ValueError(f"could not draw a first-generation ID card born in {lo}-{hi}")


def ric_gender_male(number: str) -> bool:
    return int(number[16]) % 2 == 1


def break_check_digit(number: str) -> str:
    """Same number with a wrong check character (an invalid RIC)."""
    right = number[-1]
    choices = [c for c in "0123456789X" if c != right]
    # deterministic: pick based on the body so callers need no RNG
    wrong = choices[sum(ord(c) for c in number[:-1]) % len(choices)]
    return number[:-1] + wrong


def mistype_ric(rng: random.Random, number: str) -> str:
    """A plausible typing error (two adjacent digits swapped or one digit changed)
    that makes the number invalid."""
    for _ in range(20):
        chars = list(number)
        i = rng.randint(6, 15)
        if rng.random() < 0.6 and chars[i] != chars[i + 1]:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars[i] = str((int(chars[i]) + rng.randint(1, 9)) % 10)
        cand = "".join(chars)
        if not stdnum_ric.is_valid(cand):
            return cand
    return break_check_digit(number)


def format_ric(rng: random.Random, number: str) -> str:
    """Sometimes present a RIC the way people type it (spaces, dashes, lower-case x)."""
    u = rng.random()
    if u < 0.02:
        return f"{number[:6]} {number[6:14]} {number[14:]}"
    if u < 0.03:
        return f"{number[:6]}-{number[6:14]}-{number[14:]}"
    if u < 0.06 and number.endswith("X"):
        return number[:-1] + "x"
    return number


def make_passport(rng: random.Random, chinese: bool) -> str:
    if chinese:
        return rng.choice("EG") + f"{rng.randint(0, 99_999_999):08d}"
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return rng.choice(letters) + rng.choice(letters) + f"{rng.randint(0, 9_999_999):07d}"


def make_hkmo(rng: random.Random) -> str:
    # 港澳居民来往内地通行证 (H/M + 8 digits) or the mainland 往来港澳通行证 (C + 8 digits)
    return rng.choice("HMC") + f"{rng.randint(0, 99_999_999):08d}"


def make_tw(rng: random.Random) -> str:
    return f"{rng.randint(0, 99_999_999):08d}"


_PHONE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "145",
    "147",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "170",
    "171",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]


def make_phone(rng: random.Random) -> str:
    return rng.choice(_PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")


def format_phone(rng: random.Random, phone: str) -> str:
    """Presentation variants that normalise back to the same valid number."""
    u = rng.random()
    if u < 0.04:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    if u < 0.07:
        return "+86" + phone
    if u < 0.08:
        return "86" + phone
    if u < 0.10:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    return phone


def bad_phone(rng: random.Random) -> str:
    """A contact number that is not a valid mobile number (a flag, not an error)."""
    u = rng.random()
    if u < 0.4:
        return f"0755-{rng.randint(2000_0000, 8999_9999)}"  # landline
    if u < 0.7:
        return make_phone(rng)[:10]  # a digit short
    return "12" + f"{rng.randint(0, 999_999_999):09d}"  # no such prefix


def normalise_phone(raw: str) -> str:
    """The contract's phone normalisation (§3), used to double-check intent."""
    s = re.sub(r"[\s-]", "", raw)
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("86") and len(s) == 13:
        s = s[2:]
    return s


def normalise_ric(raw: str) -> str:
    """The contract's RIC normalisation (§3): strip, upper-case, 15 -> 18 digits."""
    s = re.sub(r"[\s-]", "", raw).upper()
    if len(s) == 15 and s.isdigit():
        body = s[:6] + "19" + s[6:]
        s = body + stdnum_ric.calc_check_digit(body + "0")
    return s


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(rng: random.Random, region: str, individual: bool = False) -> str:
    """A valid 统一社会信用代码: 91/92 + region + 9-character organisation code + check."""
    kind = "92" if individual else "91"
    if individual:
        org = rng.choice("LJ") + "".join(rng.choice("0123456789") for _ in range(8))
    elif rng.random() < 0.7:
        org = "MA5" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
    else:
        org = "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(USCC_ALPHABET)
    body = kind + region + org
    return body + stdnum_uscc.calc_check_digit(body + "0")


def break_uscc(number: str) -> str:
    right = number[-1]
    choices = [c for c in USCC_ALPHABET if c != right]
    return number[:-1] + choices[sum(ord(c) for c in number[:-1]) % len(choices)]


def format_uscc(rng: random.Random, number: str) -> str:
    u = rng.random()
    if u < 0.03:
        return f"{number[:9]} {number[9:]}"
    if u < 0.05:
        return number.lower()
    return number


def is_valid_ric_for(number: str, on: date) -> bool:
    """Contract §3 validity of an (already normalised) RIC on a given day."""
    if not stdnum_ric.is_valid(number):
        return False
    born = stdnum_ric.get_birth_date(number)
    return date(1900, 1, 1) <= born <= on
