// Bounds on what an uploaded XLSX (a zip) may inflate to, checked before exceljs reads it: a
// zip bomb (a few hundred KB whose sheet inflates to hundreds of MB or more) would otherwise be
// inflated whole into memory by the workbook reader. In memory, every entry is inflated here once,
// counting its output as it streams past and stopping at the cap (nothing of it is kept), so a
// size the zip declares falsely changes nothing; on disk (the ticket import, read row by row), the sizes the central directory
// declares are checked, and the one entry the streaming reader keeps whole, the shared strings.
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInflateRaw } from "node:zlib";

/** What every entry of an XLSX held in memory may inflate to, together (register and response imports). */
export const MAX_INFLATED_BYTES = 256 * 1024 * 1024;
/** What the shared strings of an XLSX read from disk may inflate to (held whole by the streaming reader). */
export const MAX_STREAMED_SHARED_STRINGS_BYTES = 256 * 1024 * 1024;
/** What every entry of an XLSX read from disk may declare, together. */
export const MAX_STREAMED_INFLATED_BYTES = 16 * 1024 * 1024 * 1024;

export type ZipProblem = "unreadable" | "tooLarge";

type Entry = { name: string; method: number; compressed: number; size: number; localOffset: number };

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN = 22;
const EOCD_SEARCH = EOCD_MIN + 0xffff;

/** Where the central directory is, from the end-of-directory record in the last bytes of the zip. */
function directoryOf(tail: Buffer): { count: number; size: number; offset: number } | null {
  for (let i = tail.length - EOCD_MIN; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== EOCD_SIGNATURE) continue;
    const found = { count: tail.readUInt16LE(i + 10), size: tail.readUInt32LE(i + 12), offset: tail.readUInt32LE(i + 16) };
    // Zip64 (a count or offset that does not fit) is not what an XLSX up to these sizes needs.
    return found.count === 0xffff || found.offset === 0xffffffff || found.size === 0xffffffff ? null : found;
  }
  return null;
}

/** The entries of a central directory of `count` entries. */
function entriesOf(dir: Buffer, count: number): Entry[] | null {
  const entries: Entry[] = [];
  let at = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > dir.length || dir.readUInt32LE(at) !== CENTRAL_SIGNATURE) return null;
    const nameLength = dir.readUInt16LE(at + 28);
    const entry = {
      method: dir.readUInt16LE(at + 10),
      compressed: dir.readUInt32LE(at + 20),
      size: dir.readUInt32LE(at + 24),
      localOffset: dir.readUInt32LE(at + 42),
      name: dir.subarray(at + 46, at + 46 + nameLength).toString("utf8"),
    };
    if (entry.compressed === 0xffffffff || entry.size === 0xffffffff || entry.localOffset === 0xffffffff) return null;
    entries.push(entry);
    at += 46 + nameLength + dir.readUInt16LE(at + 30) + dir.readUInt16LE(at + 32);
  }
  return entries;
}

/**
 * Inflates every entry of a zip held in memory, each with a cap on its output, and adds them up:
 * null when the whole stays within `maxBytes`, else why not (an entry that cannot be read is
 * `unreadable`, as the workbook reader would say).
 */
export async function checkZipInMemory(data: Uint8Array, maxBytes = MAX_INFLATED_BYTES): Promise<ZipProblem | null> {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const dir = directoryOf(bytes.subarray(Math.max(0, bytes.length - EOCD_SEARCH)));
  const entries = dir && entriesOf(bytes.subarray(dir.offset, dir.offset + dir.size), dir.count);
  if (!entries) return "unreadable";
  let total = 0;
  for (const entry of entries) {
    const local = entry.localOffset;
    if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== LOCAL_SIGNATURE) return "unreadable";
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const compressed = bytes.subarray(start, start + entry.compressed);
    if (compressed.length !== entry.compressed) return "unreadable";
    if (entry.method === 0) total += compressed.length;
    else if (entry.method === 8) {
      const inflated = await inflatedSize(compressed, maxBytes - total);
      if (inflated === null) return "unreadable";
      total += inflated;
    } else return "unreadable";
    if (total > maxBytes) return "tooLarge";
  }
  return null;
}

/** What raw deflate data inflates to, counted as it streams (stopped once over `cap`); null when it is not deflate data. */
function inflatedSize(compressed: Buffer | NodeJS.ReadableStream, cap: number): Promise<number | null> {
  return new Promise((resolve) => {
    const inflate = createInflateRaw();
    const done = (value: number | null) => {
      if (!Buffer.isBuffer(compressed)) (compressed as unknown as { destroy(): void }).destroy();
      resolve(value);
    };
    let size = 0;
    inflate.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        inflate.destroy();
        done(size);
      }
    });
    inflate.on("end", () => done(size));
    inflate.on("error", () => done(null));
    if (Buffer.isBuffer(compressed)) inflate.end(compressed);
    else {
      compressed.on("error", () => done(null));
      compressed.pipe(inflate);
    }
  });
}

/** Every entry of a zip on disk inflated once, held to the streaming limits above. */
export async function checkZipOnDisk(filePath: string): Promise<ZipProblem | null> {
  const handle = await open(filePath, "r");
  let entries: Entry[] | null;
  const starts: number[] = [];
  try {
    const { size } = await handle.stat();
    const tail = Buffer.alloc(Math.min(size, EOCD_SEARCH));
    await handle.read(tail, 0, tail.length, size - tail.length);
    const dir = directoryOf(tail);
    // The central directory of an XLSX is a few KB.
    if (!dir || dir.size > 16 * 1024 * 1024 || dir.offset + dir.size > size) return "unreadable";
    const bytes = Buffer.alloc(dir.size);
    await handle.read(bytes, 0, dir.size, dir.offset);
    entries = entriesOf(bytes, dir.count);
    if (!entries) return "unreadable";
    for (const entry of entries) {
      const local = Buffer.alloc(30);
      await handle.read(local, 0, 30, entry.localOffset);
      if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) return "unreadable";
      const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      if (start + entry.compressed > size) return "unreadable";
      starts.push(start);
    }
  } finally {
    await handle.close();
  }
  let total = 0;
  for (const [i, entry] of entries.entries()) {
    const shared = /sharedStrings\.xml$/i.test(entry.name);
    const cap = Math.min(MAX_STREAMED_INFLATED_BYTES - total, shared ? MAX_STREAMED_SHARED_STRINGS_BYTES : Infinity);
    let inflated: number | null = entry.compressed;
    if (entry.method === 8) {
      if (entry.compressed === 0) return "unreadable";
      inflated = await inflatedSize(createReadStream(filePath, { start: starts[i], end: starts[i] + entry.compressed - 1 }), cap);
    } else if (entry.method !== 0) return "unreadable";
    if (inflated === null) return "unreadable";
    if (inflated > cap) return "tooLarge";
    total += inflated;
  }
  return null;
}
