// Reading an upload, the one way every upload form does it: the multipart body with each part
// capped while it is read (an oversized file is never held whole), then the file field checked.
import {
  unstable_createMemoryUploadHandler as createMemoryUploadHandler,
  unstable_parseMultipartFormData as parseMultipartFormData,
  MaxPartSizeExceededError,
} from "@remix-run/node";

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
