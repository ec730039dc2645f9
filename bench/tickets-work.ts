// `npm run bench -- workbench`: the evaluation sampler on 1,000,000 completed tickets in memory (the
// target is ≤ 1 s), one draw and the swing's 1,000 draws, beside a ceiling measured in the same
// run: one plain sort of the same million ids (the least any draw over all tickets must do).
// Markdown on stdout. The workbench queue at 1,000,000 tickets is not measured here yet.
import { drawEvaluationSample, DEFAULT_SAMPLE_RULE, sampleSwing } from "~/domain/tickets";

const N = 1_000_000;
const asOf = new Date("2026-12-01T00:00:00+08:00");
const span = 240 * 86_400_000;
const tickets = Array.from({ length: N }, (_, i) => ({
  id: i + 1,
  completedAt: new Date(asOf.getTime() - ((i * 7919) % N) * (span / N)),
  satisfied: i % 10 === 0 ? null : i % 7 !== 0,
}));
const rule = { ...DEFAULT_SAMPLE_RULE, asOf };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(runs: number, f: () => unknown): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

const ceiling = time(5, () => [...tickets].sort((a, b) => b.id - a.id));
const draw = time(5, () => drawEvaluationSample(tickets, { ...rule, seed: 7 }));
const swing = time(3, () => sampleSwing(tickets, rule, 1000, 7));
console.log(`## Workbench (12345 sampler)

${N.toLocaleString()} completed tickets in memory, median ms:

| what | ms | ÷ ceiling |
| --- | ---: | ---: |
| ceiling: sort the million by id | ${ceiling.toFixed(0)} | 1.00 |
| one draw of ${rule.size} (drawEvaluationSample) | ${draw.toFixed(0)} | ${(draw / ceiling).toFixed(2)} |
| swing: 1,000 draws (sampleSwing) | ${swing.toFixed(0)} | ${(swing / ceiling).toFixed(2)} |
`);
