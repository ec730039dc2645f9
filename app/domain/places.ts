// The levels of the place register, top down (县 → 街道 → 社区 → 小区 → 楼栋 → 单元).
export const LEVELS = ["county", "street", "community", "compound", "building", "stairwell"] as const;
export type Level = (typeof LEVELS)[number];

/** Where a household is, by the names of its places (the register's columns, as read or as stored). */
export type HouseholdAddress = {
  street: string;
  community: string;
  compound: string;
  building: string;
  stairwell: string | null;
  room: string;
};
