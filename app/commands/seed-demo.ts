export const usage = "seed-demo               load the demo county into a database that has no county";

export async function run(): Promise<number> {
  const { seedDemoIfEmpty } = await import("../../db/seed/index");
  console.log((await seedDemoIfEmpty()) ? "demo county loaded" : "a county exists already: nothing loaded");
  return 0;
}
