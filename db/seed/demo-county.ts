// A fictional demo county's place register (地址台账), generated deterministically.
//
// 青禾县 does not exist: its streets, communities, compounds, grid leaders and phone numbers are
// all made up. The generator uses a seeded PRNG (mulberry32), never Math.random, so the
// same seed always yields the same register — the demo database, the sample import file in the
// README and the tests all see identical data.
//
// Shape: 2 streets → 7 communities (4 + 3) → ~40 compounds (5–7 per community) → ~400 buildings
// (4–16 per compound) → stairwells (1–3; a single-stairwell building has stairwell = null, i.e.
// its households hang directly off the building) → rooms "101", "102", …, "1804". About 20,000
// households (always 19,800–20,200: floor counts are nudged after drawing), about 3 % vacant.
// Each community is cut into 3–6 grids of consecutive buildings, each with a leader, a phone in
// the fictional 1990000xxxx range and a responsible county department.

import type { RegisterRow } from "~/domain/register-import";
import { mulberry32 } from "~/domain/sampling";
import { writeCsv } from "~/utils/csv";

export const DEMO_COUNTY = { code: "demo", name: "青禾县" };

export const DEMO_DEFAULT_SEED = 20240917;

/** Households are kept inside this window by adjusting floor counts after the random draw. */
const HOUSEHOLD_MIN = 19_800;
const HOUSEHOLD_MAX = 20_200;

const STREETS: { name: string; communities: string[] }[] = [
  { name: "禾城街道", communities: ["锦湖社区", "文昌社区", "柳荫社区", "南关社区"] },
  { name: "青湖街道", communities: ["东苑社区", "桂香社区", "滨河社区"] },
];

type Rng = () => number;
const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compound styles: old low-rise work-unit compounds, mid-rise estates, newer high-rise estates.

type Style = {
  key: "old" | "mid" | "high";
  buildings: [number, number];
  floors: [number, number];
  /** candidate stairwell counts, drawn uniformly (repeat a value to weight it) */
  stairwells: number[];
  /** candidate rooms per floor per stairwell */
  rooms: number[];
  vacancy: number;
  prefixes: string[];
  suffix: (rng: Rng, prefix: string) => string;
};

const STYLES: Style[] = [
  {
    key: "old",
    buildings: [4, 10],
    floors: [3, 7],
    stairwells: [1, 2, 2, 3, 3],
    rooms: [2],
    vacancy: 0.02,
    prefixes: [
      "东风",
      "红星",
      "胜利",
      "建设",
      "团结",
      "光明",
      "前进",
      "友谊",
      "工农",
      "向阳",
      "粮食局",
      "供销社",
      "农机厂",
      "纺织厂",
      "水利局",
      "邮电局",
      "棉麻公司",
      "食品厂",
    ],
    suffix: (rng, prefix) => (/(局|社|厂|公司)$/.test(prefix) ? "家属院" : pick(rng, ["新村", "小区", "里"])),
  },
  {
    key: "mid",
    buildings: [6, 14],
    floors: [6, 11],
    stairwells: [1, 2, 2, 3],
    rooms: [2, 3],
    vacancy: 0.03,
    prefixes: [
      "翠柳",
      "金桂",
      "幸福",
      "和平",
      "书香",
      "康乐",
      "安居",
      "祥和",
      "春晖",
      "紫荆",
      "银杏",
      "桃源",
      "丽景",
      "怡和",
      "福泰",
      "兴隆",
      "长青",
      "荷塘",
      "杏林",
      "梧桐",
    ],
    suffix: (rng) => pick(rng, ["苑", "家园", "小区", "雅居", "嘉园", "新苑"]),
  },
  {
    key: "high",
    buildings: [8, 16],
    floors: [11, 18],
    stairwells: [1, 2, 2],
    rooms: [2, 3, 4],
    vacancy: 0.04,
    prefixes: [
      "锦绣",
      "阳光",
      "御景",
      "碧水",
      "明珠",
      "滨江",
      "翰林",
      "泰和",
      "盛世",
      "君悦",
      "香榭",
      "湖畔",
      "观澜",
      "云栖",
      "星河",
      "禾润",
    ],
    suffix: (rng) => pick(rng, ["花园", "名苑", "华府", "公馆", "湾", "新城"]),
  },
];

const STYLE = Object.fromEntries(STYLES.map((s) => [s.key, s])) as Record<Style["key"], Style>;

/** Apply `step` to random eligible items until `done()`; gives up if no item is eligible. */
function nudge<T>(rng: Rng, items: T[], eligible: (t: T) => boolean, step: (t: T) => unknown, done: () => boolean) {
  while (!done()) {
    const candidates = items.filter(eligible);
    if (candidates.length === 0) return;
    step(pick(rng, candidates));
  }
}

// ---------------------------------------------------------------------------------------------
// Grid leaders and responsible units.

const SURNAMES = [
  "王",
  "李",
  "张",
  "刘",
  "陈",
  "杨",
  "赵",
  "黄",
  "周",
  "吴",
  "徐",
  "孙",
  "胡",
  "朱",
  "高",
  "林",
  "何",
  "郭",
  "马",
  "罗",
  "梁",
  "宋",
  "郑",
  "谢",
  "韩",
  "唐",
  "冯",
  "于",
  "董",
  "程",
  "曹",
  "袁",
  "邓",
  "许",
  "傅",
  "沈",
  "曾",
  "彭",
  "吕",
  "苏",
  "卢",
  "蒋",
  "蔡",
  "贾",
  "丁",
  "魏",
  "薛",
  "叶",
];
const GIVEN_NAMES = [
  "建国",
  "秀英",
  "丽娟",
  "志强",
  "海燕",
  "伟",
  "芳",
  "敏",
  "静",
  "军",
  "磊",
  "勇",
  "艳",
  "杰",
  "娟",
  "涛",
  "明",
  "超",
  "秀兰",
  "霞",
  "平",
  "刚",
  "桂英",
  "玉兰",
  "红梅",
  "春燕",
  "晓东",
  "文斌",
  "国华",
  "德明",
  "丽华",
  "建华",
  "卫东",
  "淑珍",
  "雪梅",
  "小红",
  "俊杰",
  "志刚",
  "海波",
  "慧敏",
  "玉珍",
  "永强",
  "晓燕",
  "立新",
  "凤英",
  "金华",
  "振华",
  "婷婷",
];
const DEPARTMENTS = [
  "县财政局",
  "县教育局",
  "县卫健委",
  "县住建局",
  "县市场监管局",
  "县交通运输局",
  "县文旅局",
  "县人社局",
  "县自然资源局",
  "县农业农村局",
  "县民政局",
  "县司法局",
  "县城管局",
  "县生态环境局",
  "县水利局",
  "县商务局",
  "县统计局",
  "县审计局",
  "县应急管理局",
  "县退役军人事务局",
];

// ---------------------------------------------------------------------------------------------

type BuildingSpec = {
  street: string;
  community: string;
  compound: string;
  name: string;
  style: Style;
  floors: number;
  stairwells: number;
  rooms: number;
};
const householdsOf = (b: BuildingSpec) => b.floors * b.stairwells * b.rooms;

export function generateDemoRegister(seed: number = DEMO_DEFAULT_SEED): RegisterRow[] {
  const rng = mulberry32(seed);

  // 1. Compounds per community (5–7 each, 38–42 in total).
  const communities = STREETS.flatMap((s) => s.communities.map((c) => ({ street: s.name, community: c })));
  const compoundCounts = communities.map(() => int(rng, 5, 7));
  const indexes = compoundCounts.map((_, i) => i);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  nudge(
    rng,
    indexes,
    (i) => compoundCounts[i] > 5,
    (i) => compoundCounts[i]--,
    () => sum(compoundCounts) <= 42,
  );
  nudge(
    rng,
    indexes,
    (i) => compoundCounts[i] < 7,
    (i) => compoundCounts[i]++,
    () => sum(compoundCounts) >= 38,
  );

  // 2. Compounds: a fixed style mix (30 % old, 40 % mid, 30 % high-rise) in shuffled order, names
  //    unique county-wide, 380–420 buildings in all.
  const nCompounds = sum(compoundCounts);
  const nOld = Math.round(nCompounds * 0.3);
  const nHigh = Math.round(nCompounds * 0.3);
  const deck = shuffle(rng, [
    ...Array<Style>(nOld).fill(STYLE.old),
    ...Array<Style>(nCompounds - nOld - nHigh).fill(STYLE.mid),
    ...Array<Style>(nHigh).fill(STYLE.high),
  ]);
  const usedPrefixes = new Set<string>();
  type CompoundSpec = { street: string; community: string; name: string; style: Style; buildings: number };
  const compounds: CompoundSpec[] = [];
  communities.forEach(({ street, community }, ci) => {
    for (let k = 0; k < compoundCounts[ci]; k++) {
      const style = deck[compounds.length];
      const prefix = pick(
        rng,
        style.prefixes.filter((p) => !usedPrefixes.has(p)),
      );
      usedPrefixes.add(prefix);
      const buildings = int(rng, style.buildings[0], style.buildings[1]);
      compounds.push({ street, community, name: prefix + style.suffix(rng, prefix), style, buildings });
    }
  });
  const buildingTotal = () => sum(compounds.map((c) => c.buildings));
  nudge(
    rng,
    compounds,
    (c) => c.buildings > c.style.buildings[0],
    (c) => c.buildings--,
    () => buildingTotal() <= 420,
  );
  nudge(
    rng,
    compounds,
    (c) => c.buildings < c.style.buildings[1],
    (c) => c.buildings++,
    () => buildingTotal() >= 380,
  );

  // 3. Buildings. Those of one compound share a stairwell layout most of the time.
  const buildings: BuildingSpec[] = [];
  for (const c of compounds) {
    const rooms = pick(rng, c.style.rooms);
    for (let b = 1; b <= c.buildings; b++) {
      buildings.push({
        street: c.street,
        community: c.community,
        compound: c.name,
        name: `${b}号楼`,
        style: c.style,
        floors: int(rng, c.style.floors[0], c.style.floors[1]),
        stairwells: pick(rng, c.style.stairwells),
        rooms: rng() < 0.8 ? rooms : pick(rng, c.style.rooms),
      });
    }
  }
  // Nudge floor counts (within each style's range) until the total is in the target window.
  let total = sum(buildings.map(householdsOf));
  const dec = (b: BuildingSpec) => (b.floors--, (total -= b.stairwells * b.rooms));
  const inc = (b: BuildingSpec) => (b.floors++, (total += b.stairwells * b.rooms));
  nudge(
    rng,
    buildings,
    (b) => b.floors > b.style.floors[0],
    dec,
    () => total <= HOUSEHOLD_MAX,
  );
  nudge(
    rng,
    buildings,
    (b) => b.floors < b.style.floors[1],
    inc,
    () => total >= HOUSEHOLD_MIN,
  );

  // 4. Grids: each community's buildings, in order, cut into 3–6 runs of consecutive buildings.
  //    Cuts snap to a compound boundary when one is close, as real grids usually follow them.
  type Grid = { name: string; leader: string; phone: string; unit: string };
  const gridOf = new Map<BuildingSpec, Grid>();
  const usedNames = new Set<string>();
  const usedPhones = new Set<string>();
  const units = shuffle(rng, DEPARTMENTS);
  let gridSerial = 0;
  for (const { community } of communities) {
    const list = buildings.filter((b) => b.community === community);
    const k = Math.min(int(rng, 3, 6), list.length);
    const cuts: number[] = [0];
    for (let g = 1; g < k; g++) {
      const ideal = Math.round((g * list.length) / k);
      let cut = ideal;
      for (let d = 0; d <= 3; d++) {
        const at = [ideal - d, ideal + d].find((i) => i > 0 && i < list.length && list[i].compound !== list[i - 1].compound);
        if (at !== undefined) {
          cut = at;
          break;
        }
      }
      cuts.push(Math.max(cut, cuts[cuts.length - 1] + 1));
    }
    cuts.push(list.length);
    for (let g = 0; g < k; g++) {
      let leader: string;
      do leader = pick(rng, SURNAMES) + pick(rng, GIVEN_NAMES);
      while (usedNames.has(leader));
      usedNames.add(leader);
      let phone: string;
      do phone = "1990000" + String(int(rng, 0, 9999)).padStart(4, "0");
      while (usedPhones.has(phone));
      usedPhones.add(phone);
      const grid: Grid = {
        name: `${community}第${g + 1}网格`,
        leader,
        phone,
        unit: units[gridSerial++ % units.length],
      };
      for (let i = cuts[g]; i < cuts[g + 1]; i++) gridOf.set(list[i], grid);
    }
  }

  // 5. Rows, one per household.
  const rows: RegisterRow[] = [];
  let line = 2;
  for (const b of buildings) {
    const grid = gridOf.get(b)!;
    for (let s = 1; s <= b.stairwells; s++) {
      const stairwell = b.stairwells === 1 ? null : `${s}单元`;
      for (let f = 1; f <= b.floors; f++) {
        for (let r = 1; r <= b.rooms; r++) {
          rows.push({
            line: line++,
            street: b.street,
            community: b.community,
            compound: b.compound,
            building: b.name,
            stairwell,
            room: String(f * 100 + r),
            vacant: rng() < b.style.vacancy,
            grid: grid.name,
            gridLeader: grid.leader,
            gridLeaderPhone: grid.phone,
            gridUnit: grid.unit,
          });
        }
      }
    }
  }
  return rows;
}

export const REGISTER_CSV_HEADER = [
  "街道",
  "社区",
  "小区",
  "楼栋",
  "单元",
  "房号",
  "空置",
  "网格",
  "网格长",
  "网格长电话",
  "责任单位",
] as const;

/**
 * The register as a UTF-8 CSV (RFC 4180: CRLF line ends, quoting only where needed), in the
 * import file's column order. Null cells are empty; 空置 is 是/否. `bom: true` prepends a
 * byte-order mark so Excel on Windows opens the file as UTF-8.
 */
export function registerToCsv(rows: RegisterRow[], options: { bom?: boolean } = {}): string {
  return writeCsv(
    [
      [...REGISTER_CSV_HEADER],
      ...rows.map((r) => [
        r.street,
        r.community,
        r.compound,
        r.building,
        r.stairwell ?? "",
        r.room,
        r.vacant ? "是" : "否",
        r.grid ?? "",
        r.gridLeader ?? "",
        r.gridLeaderPhone ?? "",
        r.gridUnit ?? "",
      ]),
    ],
    { bom: options.bom ?? false },
  );
}
