// Reading an upload, the one way every upload form does it: the multipart body with each part
// capped while it is read (an oversized file is never held whole), then the file field checked.
import {
  unstable_createMemoryUploadHandler as createMemoryUploadHandler,
  unstable_parseMultipartFormData as parseMultipartFormData,
  MaxPartSizeExceededError,
} from "@remix-run/node";
import { createWriteStream, rmSync } from "node:fs";
import { once } from "node:events";

/** The form of a multipart request, every part at most `maxBytes`; null when a part is larger. */
export async function readUpload(request: Request, maxBytes: number): Promise<FormData | null> {
  try {
    return await parseMultipartFormData(request, createMemoryUploadHandler({ maxPartSize: maxBytes }));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) return null;
    throw error;
  }
}

export type UploadIssue = { key: string; params: Record<string, string> };

/**
 * The file of a form field, or why there is none: no file chosen (no part, or a nameless empty
 * one) gives `noFile`, the form's own message; a chosen file with nothing in it is called empty
 * by its name.
 */
export function uploadedFile(form: FormData, noFile: string, field = "file"): File | UploadIssue {
  const value = form.get(field);
  if (!(value instanceof File) || (value.size === 0 && value.name === "")) return { key: noFile, params: {} };
  if (value.size === 0) return { key: "upload.empty", params: { name: value.name } };
  return value;
}

/**
 * A multipart request whose `file` field is too big to hold (a ticket export of a million rows):
 * written to `dest` as it arrives, at most `maxBytes`. The other fields come back as text. Null
 * when the file is larger (the partial file is removed); `file` is null when none was chosen.
 */
export async function receiveUploadToFile(
  request: Request,
  dest: string,
  maxBytes: number,
): Promise<{ fields: FormData; file: { name: string; size: number } | null } | null> {
  let received: { name: string; size: number } | null = null;
  try {
    const fields = await parseMultipartFormData(request, async ({ name, filename, data }) => {
      if (name !== "file" || !filename) {
        let text = "";
        const decoder = new TextDecoder();
        for await (const chunk of data) {
          text += decoder.decode(chunk, { stream: true });
          if (text.length > 10_000) throw new MaxPartSizeExceededError(name, 10_000);
        }
        return text + decoder.decode();
      }
      const out = createWriteStream(dest, { mode: 0o600 });
      let size = 0;
      try {
        for await (const chunk of data) {
          size += chunk.byteLength;
          if (size > maxBytes) throw new MaxPartSizeExceededError(name, maxBytes);
          if (!out.write(chunk)) await once(out, "drain");
        }
      } finally {
        out.end();
        await once(out, "close");
      }
      received = { name: filename, size };
      return filename;
    });
    return { fields, file: received };
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) {
      rmSync(dest, { force: true });
      return null;
    }
    throw error;
  }
}
