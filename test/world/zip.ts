import { inflateRawSync } from 'node:zlib';

/** One file of a zip archive (a .vsix is one), as its central directory lists it. */
export interface ZipEntry {
  readonly name: string;
  readonly uncompressedSize: number;
  /** The file's content, inflated when asked for. */
  content(): Buffer;
}

const endOfDirectory = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

/** The entries of a zip archive, read from its central directory. */
export function zipEntries(zip: Buffer): ZipEntry[] {
  const end = zip.lastIndexOf(endOfDirectory);
  if (end < 0) throw new Error('not a zip archive');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('corrupt central directory');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const uncompressedSize = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const content = (): Buffer => {
      const start = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const stored = zip.subarray(start, start + compressedSize);
      if (method === 0) return stored;
      if (method === 8) return inflateRawSync(stored);
      throw new Error(`${name}: zip compression method ${method} is not supported`);
    };
    entries.push({ name, uncompressedSize, content });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
