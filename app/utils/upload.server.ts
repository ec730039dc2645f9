// Reading an upload, the one way every upload form does it: the multipart body with each part
// capped while it is read (an oversized file is never held whole), then the file field checked.
import {
  unstable_createMemoryUploadHandler as createMemoryUploadHandler,
  unstable_parseMultipartFormData as parseMultipartFormData,
  MaxPartSizeExceededError,
} from "@remix-run/node";
import { createWriteStream, rmSync } from "node:fs";
import { once } from "node:events";

/**
 * An upload form's request that is not multipart/form-data with a boundary and a body (a script
 * posting JSON or text, a form without its enctype) is refused with 400 before anything is read
 * or written; Remix's parser would throw a TypeError, a 500. The route's error page says why.
 */
function requireMultipart(request: Request) {
  const [type, boundary] = (request.headers.get("Content-Type") ?? "").split(/\s*;\s*boundary=/);
  if (!request.body || !boundary || type.trim().toLowerCase() !== "multipart/form-data")
    throw new Response("请求的格式不正确：上传表单须以 multipart/form-data 提交。", { status: 400 });
}

/** The form of a multipart request, every part at most `maxBytes`; null when a part is larger. */
export async function readUpload(request: Request, maxBytes: number): Promise<FormData | null> {
  requireMultipart(request);
  try {
    return await parseMultipartFormData(request, createMemoryUploadHandler({ maxPartSize: maxBytes }));
  } catch (error) {
    if (error instanceof MaxPartSizeExceededError) return null;
    throw error;
  }
}

const NOT_A_FORM = "请求的格式不正确：表单须以 application/x-www-form-urlencoded 或 multipart/form-data 提交。";

/** Refuses with 400, before anything is read, a body that `request.formData()` could not parse as a form. */
function requireForm(request: Request) {
  const type = (request.headers.get("Content-Type") ?? "").split(";")[0].trim().toLowerCase();
  if (type === "multipart/form-data") requireMultipart(request);
  else if (type !== "application/x-www-form-urlencoded") throw new Response(NOT_A_FORM, { status: 400 });
}

/**
 * The form of a page's plain post (application/x-www-form-urlencoded or multipart/form-data); any
 * other body is refused with 400, as `requireMultipart` does, instead of Remix's TypeError.
 */
export async function readForm(request: Request): Promise<FormData> {
  requireForm(request);
  return request.formData();
}

/**
 * Makes `request.formData()` of one action's request answer 400 instead of throwing a TypeError (a
 * 500) when the body is not a form: JSON or text posted to a page, a multipart body without its
 * boundary, a malformed multipart body. server.ts applies it to every action through `guardBuild`,
 * so no route needs to call readForm for it.
 */
export function refuseNonForms(request: Request): Request {
  const parse = request.formData.bind(request);
  Object.defineProperty(request, "formData", {
    configurable: true,
    value: async () => {
      requireForm(request);
      try {
        return await parse();
      } catch (error) {
        if (error instanceof TypeError) throw new Response(NOT_A_FORM, { status: 400 });
        throw error;
      }
    },
  });
  return request;
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
  requireMultipart(request);
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
