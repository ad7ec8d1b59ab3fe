"""Large accounts for scale benchmarks and tests, generated deterministically in the sandbox's shapes.

Why: the seeded account (data.py) is sized for reading by a person; a real organisation holds
thousands of audiences, experiences and variants, and answers, paging and caches must be judged
there. `generate(ScaleSpec.of(k, seed))` builds a whole `SandboxData` in which the Web project and
the Website / Product Catalog stacks are scaled by `k`; everything else (organisations, users, the
Mobile and second-organisation projects, the other stacks) is the seed's. Every object is built by
the same builders as the seed, so field names and shapes are exactly the upstream ones.

Counts per unit of `k` (the issue's "1,000x" is k = 1000), each overridable in `ScaleSpec`:

| what | per k | at k = 1000 |
|---|---|---|
| audiences of the Web project (1 in 20 synced from Lytics, 32-hex uids) | 5 | 5,000 |
| custom attributes (`GET /attributes`; the last one is referenced but deleted) | 8 + k/20 | 58 |
| experiences (3-5 versions; ACTIVE/DRAFT/PAUSED/ARCHIVED; 70 % segmented, 30 % A/B) | 2 | 2,000 |
| variant groups of the Website stack (one linked per experience with `_cms`, the rest plain) | 4.8 | 4,800 |
| plain groups of the Product Catalog stack, besides the big group | 1.2 | 1,200 |
| variants of the big group (`big_variant_group_uid`) | 25 | 25,000 |
| audiences targeted by the broad experience's variants (`broad_experience_uid`) | 1 | 1,000 |
| extra projects, and stacks they connect to (empty) | 1/10 | 100 |

The same spec gives byte-identical data in any process (`random.Random` seeded with a string, uids
from SHA-256, no set or hash order anywhere); another seed gives another account of the same counts.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timedelta

from personalize_mcp.sandbox import data as seed
from personalize_mcp.sandbox import shapes
from personalize_mcp.sandbox.shapes import JSON, SandboxData

__all__ = ["GeneratedAccount", "ScaleSpec", "fingerprint", "generate"]

PROJECT_UID = seed.WEB_PROJECT_UID
STACK_API_KEY = seed.MAIN_STACK_API_KEY
BIG_STACK_API_KEY = seed.BIG_STACK_API_KEY


@dataclass(frozen=True)
class ScaleSpec:
    """How big an account to generate. `ScaleSpec.of(k)` fills the counts from `k`; pass any count
    to override it (tests use small, exact numbers)."""

    k: int
    seed: int = 0
    audiences: int = 0
    lytics_every: int = 20
    """One audience in this many is synced from Lytics."""
    custom_attributes: int = 0
    experiences: int = 0
    variant_groups: int = 0
    """Groups of the Website stack, the linked ones included (at least one per linked experience)."""
    catalog_groups: int = 0
    big_group_variants: int = 0
    broad_audiences: int = 0
    extra_projects: int = 0

    @classmethod
    def of(cls, k: int, seed: int = 0, **counts: int) -> ScaleSpec:
        if k < 1:
            raise ValueError("the scale factor k must be at least 1")
        derived = {
            "audiences": 5 * k,
            "custom_attributes": 8 + k // 20,
            "experiences": max(2, 2 * k),
            "variant_groups": round(4.8 * k),
            "catalog_groups": round(1.2 * k),
            "big_group_variants": 25 * k,
            "broad_audiences": k,
            "extra_projects": k // 10,
        }
        unknown = counts.keys() - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown counts: {', '.join(sorted(unknown))}")
        spec = cls(k=k, seed=seed, **{**derived, **counts})
        if min(spec.audiences, spec.custom_attributes, spec.big_group_variants, spec.lytics_every) < 1:
            raise ValueError("a generated account needs an audience, a custom attribute and a variant in the big group")
        if spec.experiences < 2:
            raise ValueError("a generated account needs two experiences (the broad one and an A/B test)")
        if min(spec.variant_groups, spec.catalog_groups, spec.extra_projects) < 0:
            raise ValueError("counts cannot be negative")
        return replace(spec, broad_audiences=max(1, min(spec.broad_audiences, spec.audiences)))


@dataclass
class GeneratedAccount:
    """The data plus the uids a benchmark or test needs to find its way in."""

    spec: ScaleSpec
    data: SandboxData
    notable: dict[str, str] = field(default_factory=dict)
    """project_uid, stack_api_key, big_stack_api_key, big_variant_group_uid, broad_experience_uid,
    broad_variant_group_uid, broad_variant_uid (the CMS variant of the widest segmented variant),
    ab_experience_uid, ab_variant_group_uid, ab_variant_uid, plain_variant_group_uid and plain_variant_uid
    (a small group of the Product Catalog stack without Personalize metadata, and its first variant)."""
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> JSON:
        """What the control endpoint answers: spec, notable uids and counts (not the data)."""
        return {"spec": asdict(self.spec), "notable": dict(self.notable), "counts": dict(self.counts)}


def fingerprint(data: SandboxData) -> str:
    """SHA-256 of the data as JSON, in its own order: equal for equal accounts, whatever the process."""
    digest = hashlib.sha256()
    for part in fields(data):  # insertion order is part of the data: no sort_keys needed (or wanted)
        digest.update(json.dumps(getattr(data, part.name), separators=(",", ":"), ensure_ascii=False).encode())
    return digest.hexdigest()


def generate(spec: ScaleSpec) -> GeneratedAccount:
    return _Generator(spec).build()


# =========================================================================== vocabulary
_COUNTRIES = (
    ("AU", "Australia", "New South Wales", "Sydney"),
    ("NZ", "New Zealand", "Auckland", "Auckland"),
    ("US", "United States", "California", "San Francisco"),
    ("CA", "Canada", "Ontario", "Toronto"),
    ("GB", "United Kingdom", "England", "London"),
    ("IE", "Ireland", "Leinster", "Dublin"),
    ("DE", "Germany", "Bavaria", "Munich"),
    ("FR", "France", "Île-de-France", "Paris"),
    ("NL", "Netherlands", "North Holland", "Amsterdam"),
    ("ES", "Spain", "Catalonia", "Barcelona"),
    ("IT", "Italy", "Lombardy", "Milan"),
    ("SE", "Sweden", "Stockholm County", "Stockholm"),
    ("JP", "Japan", "Tokyo", "Tokyo"),
    ("SG", "Singapore", "Singapore", "Singapore"),
    ("IN", "India", "Maharashtra", "Mumbai"),
    ("BR", "Brazil", "São Paulo", "São Paulo"),
)
_SEGMENTS = (
    "Mobile Shoppers",
    "Returning Customers",
    "Desktop Browsers",
    "Newsletter Subscribers",
    "Bargain Hunters",
    "Loyalty Members",
    "First-time Visitors",
    "Campaign Visitors",
    "High Spenders",
    "Weekend Browsers",
    "App Users",
    "Cart Abandoners",
)
_PAGES = (
    ("Homepage hero", "home_page"),
    ("Product page banner", "product"),
    ("Checkout upsell", "checkout"),
    ("Cart reminder", "cart"),
    ("Search results promo", "search_page"),
    ("Category header", "category"),
    ("Footer signup", "footer"),
    ("Pricing CTA", "pricing_page"),
    ("Blog sidebar", "blog_post"),
    ("Landing page offer", "landing_page"),
)
_VARIANT_NAMES = ("Default", "Regional", "Mobile first", "Loyalty", "Seasonal", "Bold", "Minimal", "Video")
_AB_NAMES = ("Control", "Challenger", "Short copy", "Long copy", "Green button")
_DEVICES = ("MOBILE", "DESKTOP", "TABLET")
_SYSTEMS = ("iOS", "Android", "Windows", "macOS", "Linux")
_REFERRERS = ("google.", "facebook.com", "instagram.com", "newsletter", "bing.")
_CAMPAIGNS = ("summer_sale", "black_friday", "spring_launch", "back_to_school", "loyalty_week")
_LYTICS_SEGMENTS = ("high_intent_shoppers", "churn_risk", "deal_seekers", "brand_loyalists", "window_shoppers")
_ATTRIBUTE_KINDS = ("number", "boolean", "string")
_ATTRIBUTE_WORDS = (
    "lifetime_orders",
    "loyalty_member",
    "email_domain",
    "average_order_value",
    "last_order_value",
    "newsletter_opt_in",
    "preferred_store",
    "subscription_tier",
    "wishlist_size",
    "beta_tester",
)
_TAGS = ("homepage", "campaign", "summer", "pricing", "lytics", "mobile", "checkout", "retention")
_EPOCH = datetime(2025, 1, 6, 9, 0, 0)


class _Generator:
    """One pass over the spec; every random choice comes from `self.rng`, in a fixed order."""

    def __init__(self, spec: ScaleSpec) -> None:
        self.spec = spec
        # A string seed is hashed with SHA-512 by `random`: the same sequence in every process.
        self.rng = random.Random(f"personalize-sandbox-scale:{spec.seed}")  # noqa: S311 - fake data, not secrets
        self.prefix = f"{spec.seed}"
        self.attributes: list[tuple[str, str]] = []  # (uid, kind)
        self.native: list[str] = []
        self.lytics: list[str] = []
        self.listed: list[str] = []  # every audience uid, in the list's order
        self.versions: dict[str, list[JSON]] = {}
        self.content_types: dict[str, str] = {}

    # ------------------------------------------------------------------ uids
    def _hex(self, kind: str, index: int, length: int) -> str:
        return hashlib.sha256(f"{self.prefix}:{kind}:{index}".encode()).hexdigest()[:length]

    def _uid(self, kind: str, index: int) -> str:
        """A 24-hex Personalize uid (Mongo-like)."""
        return self._hex(kind, index, 24)

    def _cms_uid(self, kind: str, index: int) -> str:
        return "cs" + self._hex(kind, index, 16)

    def _time(self, minutes: int) -> str:
        return (_EPOCH + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    # ------------------------------------------------------------------ the account
    def build(self) -> GeneratedAccount:
        spec = self.spec
        data = seed.seed_data()
        attributes = self._attributes()
        audiences = self._audiences()
        experiences, notable = self._experiences()
        main_groups, catalog, big_group = self._variant_groups(experiences)
        for replaced in data.experiences[PROJECT_UID]:
            data.versions.pop(replaced["uid"], None)
        data.attributes[PROJECT_UID] = attributes
        data.audiences[PROJECT_UID] = audiences
        data.experiences[PROJECT_UID] = experiences
        data.versions.update(self.versions)
        data.variant_groups[STACK_API_KEY] = main_groups
        data.variant_groups[BIG_STACK_API_KEY] = [*catalog, big_group]
        self._extra_projects(data)
        broad = next(e for e in data.experiences[PROJECT_UID] if e["uid"] == notable["broad_experience_uid"])
        ab = next(e for e in data.experiences[PROJECT_UID] if e["uid"] == notable["ab_experience_uid"])
        notable.update(
            project_uid=PROJECT_UID,
            stack_api_key=STACK_API_KEY,
            big_stack_api_key=BIG_STACK_API_KEY,
            big_variant_group_uid=big_group["uid"],
            broad_variant_group_uid=broad["_cms"]["variantGroup"],
            broad_variant_uid=broad["_cms"]["variants"]["0"],
            ab_variant_group_uid=ab["_cms"]["variantGroup"],
            ab_variant_uid=ab["_cms"]["variants"]["1"],
            plain_variant_group_uid=(catalog or [big_group])[0]["uid"],
            plain_variant_uid=(catalog or [big_group])[0]["variants"][0]["uid"],
        )
        counts = {
            "audiences": len(audiences),
            "lytics_audiences": len(self.lytics),
            "attributes": len(attributes),
            "experiences": len(experiences),
            "versions": sum(len(v) for v in self.versions.values()),
            "variant_groups": len(main_groups),
            "catalog_groups": len(catalog) + 1,
            "big_group_variants": len(big_group["variants"]),
            "broad_audiences": len(set(broad["referredAudiences"])),
            "projects": len(data.projects),
            "stacks": len(data.stacks),
        }
        return GeneratedAccount(spec=spec, data=data, notable=notable, counts=counts)

    # ------------------------------------------------------------------ attributes
    def _attributes(self) -> list[JSON]:
        listed = []
        for n in range(self.spec.custom_attributes):
            uid = self._uid("attribute", n)
            word = _ATTRIBUTE_WORDS[n % len(_ATTRIBUTE_WORDS)]
            key = word if n < len(_ATTRIBUTE_WORDS) else f"{word}_{n:03d}"
            kind = _ATTRIBUTE_KINDS[n % len(_ATTRIBUTE_KINDS)]
            self.attributes.append((uid, kind))
            name = key.replace("_", " ").capitalize()
            listed.append(shapes.attribute(uid, PROJECT_UID, name, key, f"A {kind} attribute"))
        # The last one was deleted after rules used it: a rule keeps a uid that no longer resolves.
        return listed[:-1] if len(listed) > 1 else listed

    # ------------------------------------------------------------------ audiences
    def _audiences(self) -> list[JSON]:
        out = []
        for n in range(self.spec.audiences):
            country = _COUNTRIES[n % len(_COUNTRIES)]
            segment = _SEGMENTS[(n // len(_COUNTRIES)) % len(_SEGMENTS)]
            if (n + 1) % self.spec.lytics_every == 0:
                uid = self._hex("lytics-audience", n, 32)
                self.lytics.append(uid)
                self.listed.append(uid)
                name = f"{segment} {n:04d} (Lytics)"
                out.append(
                    shapes.audience(uid, PROJECT_UID, name, "Synced from Lytics", self._lytics_rules(), "LYTICS")
                )
                continue
            uid = self._uid("audience", n)
            self.native.append(uid)
            self.listed.append(uid)
            name = f"{country[1]} {segment} {n:04d}"
            description = "" if self.rng.random() < 0.3 else f"{segment} in {country[1]}"
            definition = shapes.combo("AND") if self.rng.random() < 0.01 else self._tree(country, depth=1, budget=[8])
            out.append(shapes.audience(uid, PROJECT_UID, name, description, definition, "PERSONALIZE"))
        return out

    def _tree(self, country: tuple[str, str, str, str], *, depth: int, budget: list[int]) -> JSON:
        """A RuleCombination of 1-4 children, nesting up to three levels, at most `budget` rules."""
        rng = self.rng
        kind = "AND" if rng.random() < 0.6 else "OR"
        children: list[JSON] = []
        for _ in range(rng.randint(1, 4)):
            if budget[0] <= 0:
                break
            if depth < 3 and rng.random() < 0.3:
                children.append(self._tree(country, depth=depth + 1, budget=budget))
            else:
                budget[0] -= 1
                children.append(self._custom_rule() if rng.random() < 0.35 else self._preset_rule(country))
        return shapes.combo(kind, *children)

    def _preset_rule(self, country: tuple[str, str, str, str]) -> JSON:
        rng = self.rng
        code, _name, region, city = country
        text = shapes.text
        match rng.randrange(9):
            case 0 | 1:
                return shapes.preset("COUNTRY", "STRING_EQUALS", text(code), invert=rng.random() < 0.1)
            case 2:
                return shapes.preset("REGION", "STRING_EQUALS", text(region))
            case 3:
                return shapes.preset("CITY", "STRING_EQUALS", text(city))
            case 4:
                return shapes.preset("DEVICE_TYPE", "STRING_EQUALS", text(rng.choice(_DEVICES)))
            case 5:
                condition = rng.choice(("STRING_EQUALS", "CONTAINS_SUBSTRING"))
                return shapes.preset("OPERATING_SYSTEM", condition, text(rng.choice(_SYSTEMS)))
            case 6:
                value = json.dumps({"utm_campaign": rng.choice(_CAMPAIGNS)})
                return shapes.preset("QUERY_PARAMETERS", "JSON_MATCH", {"__type": "JsonMatchOptions", "value": value})
            case 7:
                return shapes.preset("REFERRER", "CONTAINS_SUBSTRING", text(rng.choice(_REFERRERS)))
            case _:
                start = rng.randrange(0, 500 * 24 * 60)
                if rng.random() < 0.5:
                    options = {
                        "__type": "DateTimeRangeMatchOptions",
                        "start": self._time(start),
                        "end": self._time(start + rng.randrange(60, 14 * 24 * 60)),
                    }
                    return shapes.preset("DATE_AND_TIME", "BETWEEN_TIME", options)
                condition = rng.choice(("AFTER_TIME", "BEFORE_TIME"))
                options = {"__type": "DateTimeMatchOptions", "value": self._time(start)}
                return shapes.preset("DATE_AND_TIME", condition, options)

    def _custom_rule(self) -> JSON:
        rng = self.rng
        uid, kind = self.attributes[rng.randrange(len(self.attributes))]
        if kind == "number":
            condition = rng.choice(("NUMBER_LESS_THAN", "NUMBER_GREATER_THAN", "NUMBER_EQUAL_TO"))
            return shapes.custom(uid, condition, shapes.number(rng.randrange(1, 500)))
        if kind == "boolean":
            return shapes.custom(uid, rng.choice(("IS_TRUE", "IS_FALSE")))
        condition = rng.choice(("STRING_EQUALS", "CONTAINS_SUBSTRING", "HAS_ANY_VALUE"))
        if condition == "HAS_ANY_VALUE":
            return shapes.custom(uid, condition)
        return shapes.custom(uid, condition, shapes.text(rng.choice(("gmail.com", "gold", "store-12", "vip"))))

    def _lytics_rules(self) -> JSON:
        rng = self.rng
        lytics = {"__type": "LyticsAttributeReference", "ref": "segments"}
        if rng.random() < 0.7:
            rule = shapes.rule(lytics, "IS_MEMBER_OF", shapes.text(rng.choice(_LYTICS_SEGMENTS)), False)
        else:
            flow = {
                "__type": "FlowStateMatchOptions",
                "flowId": f"flow_{rng.randrange(100):02d}",
                "flowState": "entered",
            }
            rule = shapes.rule({"__type": "LyticsAttributeReference", "ref": "flows"}, "IS_IN_FLOW_STATE", flow, False)
        return shapes.combo("AND", rule)

    # ------------------------------------------------------------------ experiences and versions
    def _pick_audiences(self, count: int) -> tuple[list[str], list[str]]:
        """`count` distinct audiences, popular ones (low indexes) more often: (native, lytics)."""
        rng = self.rng
        native: list[str] = []
        lytics: list[str] = []
        for _ in range(count):
            if self.lytics and rng.random() < 0.08:
                uid = self.lytics[int(len(self.lytics) * rng.random() ** 2)]
                target = lytics
            else:
                uid = self.native[int(len(self.native) * rng.random() ** 2)] if self.native else self.lytics[0]
                target = native if self.native else lytics
            if uid not in target:
                target.append(uid)
        return native, lytics

    def _segmented_variant(self, short: int, name: str) -> JSON:
        native, lytics = self._pick_audiences(self.rng.randint(1, 3))
        combination = "AND" if len(native) + len(lytics) > 1 and self.rng.random() < 0.3 else "OR"
        return shapes.segmented(str(short), name, native, combination, lytics=lytics)

    def _ab_variants(self, names: list[tuple[int, str]]) -> list[JSON]:
        weights = [self.rng.randint(1, 5) for _ in names]
        shares = [100 * w // sum(weights) for w in weights]
        shares[0] += 100 - sum(shares)
        return [shapes.ab(str(short), name, share) for (short, name), share in zip(names, shares, strict=True)]

    def _statuses(self, status: str, count: int) -> list[str]:
        """Version states oldest first: at most one DRAFT (the newest), at most one ACTIVE or PAUSED."""
        if status == "ARCHIVED":
            return ["ARCHIVED"] * count
        if status == "DRAFT":
            return ["ARCHIVED"] * (count - 1) + ["DRAFT"]
        if self.rng.random() < 0.5:
            return ["ARCHIVED"] * (count - 2) + [status, "DRAFT"]
        return ["ARCHIVED"] * (count - 1) + [status]

    def _experiences(self) -> tuple[list[JSON], dict[str, str]]:
        rng = self.rng
        experiences: list[JSON] = []
        notable: dict[str, str] = {}
        version_index = 0
        for n in range(self.spec.experiences):
            uid = self._uid("experience", n)
            page, content_type = _PAGES[n % len(_PAGES)]
            if n == 0:
                kind, status, count, linked = "SEGMENTED", "ACTIVE", 3, True
            elif n == 1:
                kind, status, count, linked = "AB_TEST", "ACTIVE", 3, True
            else:
                kind = "SEGMENTED" if rng.random() < 0.7 else "AB_TEST"
                status = rng.choices(("ACTIVE", "DRAFT", "PAUSED", "ARCHIVED"), (50, 15, 15, 20))[0]
                count = rng.randint(3, 5)
                linked = rng.random() < 0.9
            states = ["ARCHIVED", "ACTIVE", "DRAFT"] if n == 0 else self._statuses(status, count)
            names = _AB_NAMES if kind == "AB_TEST" else _VARIANT_NAMES
            shorts = list(range(rng.randint(2, 4) if n else 4))
            started = rng.randrange(0, 300 * 24 * 60)
            built: list[JSON] = []
            for position, state in enumerate(states):
                if n and position and rng.random() < 0.2:
                    shorts.append(shorts[-1] + 1 + (1 if rng.random() < 0.2 else 0))  # never reused; gaps happen
                labelled = [(s, names[s % len(names)]) for s in shorts]
                if n == 0:
                    variants = self._broad_variants(labelled, state)
                elif kind == "AB_TEST":
                    variants = self._ab_variants(labelled)
                else:
                    variants = [self._segmented_variant(s, name) for s, name in labelled]
                created = self._time(started + position * rng.randrange(600, 20_000))
                built.append(shapes.version(self._uid("version", version_index), uid, state, variants, created))
                version_index += 1
            self.versions[uid] = built
            self.content_types[uid] = content_type
            cms = None
            if linked:
                every = sorted({int(v["shortUid"]) for version in built for v in version["variants"]})
                cms = {
                    "variantGroup": self._cms_uid("linked-group", n),
                    "variants": {str(s): self._cms_uid(f"linked-variant-{n}", s) for s in every},
                }
            name = f"{page} {n:04d}" if kind == "SEGMENTED" else f"{page} test {n:04d}"
            if n == 0:
                name = "Storefront by audience (broad)"
            tags = [t for t in _TAGS if rng.random() < 0.15]
            experiences.append(shapes.experience(uid, name, "", kind, str(n), status, built, cms, tags))
        notable["broad_experience_uid"] = experiences[0]["uid"]
        notable["ab_experience_uid"] = experiences[1]["uid"]
        return experiences, notable

    def _broad_variants(self, labelled: list[tuple[int, str]], state: str) -> list[JSON]:
        """The experience whose variants target the first `broad_audiences` audiences (Lytics ones among
        them) between them: 40 % for the first variant, 20 % for each other; the DRAFT shifts every
        slice by one, the ARCHIVED version holds the first half."""
        pool = self.listed[: self.spec.broad_audiences]
        if state == "DRAFT":
            pool = pool[1:] + pool[:1]
        elif state == "ARCHIVED":
            pool = pool[: max(1, len(pool) // 2)]
        size = len(pool)
        bounds = [0, round(0.4 * size), round(0.6 * size), round(0.8 * size), size]
        lytics = set(self.lytics)
        variants = []
        for (short, name), low, high in zip(labelled, bounds[:-1], bounds[1:], strict=True):
            chosen = pool[low:high] or [pool[short % size]]
            variants.append(
                shapes.segmented(
                    str(short),
                    name,
                    [a for a in chosen if a not in lytics],
                    "OR",
                    lytics=[a for a in chosen if a in lytics],
                )
            )
        return variants

    # ------------------------------------------------------------------ CMS
    def _variant_groups(self, experiences: list[JSON]) -> tuple[list[JSON], list[JSON], JSON]:
        rng = self.rng
        linked: list[JSON] = []
        for experience in experiences:
            if "_cms" not in experience:
                continue
            # A variant's name as its newest version has it.
            named = {
                v["shortUid"]: v["name"] for version in self.versions[experience["uid"]] for v in version["variants"]
            }
            names = [named[s] for s in experience["_cms"]["variants"]]
            linked.append(shapes.linked_group(PROJECT_UID, experience, self.content_types[experience["uid"]], names))
        plain = [
            self._plain_group("website-group", n, f"Seasonal theme {n:04d}", rng.randint(2, 5), "page")
            for n in range(max(0, self.spec.variant_groups - len(linked)))
        ]
        main = [*linked, *plain]
        rng.shuffle(main)  # created at different times: linked and plain interleave in the listing
        catalog = [
            self._plain_group("catalog-group", n, f"Colourway {n:05d}", rng.randint(2, 4), "product")
            for n in range(self.spec.catalog_groups)
        ]
        big_uid = self._cms_uid("big-group", 0)
        big = shapes.plain_group(
            big_uid,
            "Regional price points",
            [(self._cms_uid("price-point", n), f"Price point {n:05d}") for n in range(self.spec.big_group_variants)],
            "product",
        )
        return main, catalog, big

    def _plain_group(self, kind: str, n: int, name: str, variants: int, content_type: str) -> JSON:
        uid = self._cms_uid(kind, n)
        return shapes.plain_group(
            uid,
            name,
            [(self._cms_uid(f"{kind}-{n}", v), _VARIANT_NAMES[v % len(_VARIANT_NAMES)]) for v in range(variants)],
            content_type,
        )

    def _extra_projects(self, data: SandboxData) -> None:
        for n in range(self.spec.extra_projects):
            api_key = "blt" + self._hex("extra-stack-key", n, 16)
            data.stacks.append(
                shapes.stack(
                    "blt" + self._hex("extra-stack", n, 16),
                    api_key,
                    f"Brand site {n:03d}",
                    shapes.MAIN_ORG_UID,
                    shapes.MAIN_USER_UID,
                    "",
                )
            )
            data.projects.append(
                shapes.project(self._uid("extra-project", n), f"Brand site {n:03d}", "", shapes.MAIN_ORG_UID, api_key)
            )
