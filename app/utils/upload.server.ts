// The one check every upload form makes on its file field before reading it.

export type UploadProblem = { empty: false } | { empty: true; key: "upload.empty"; params: { name: string } };

/** Why a form's file field cannot be read: no file chosen (no part, or a nameless empty one), or
 *  a chosen file with nothing in it (`empty`, with the message naming the file). Null otherwise. */
export function uploadProblem(value: FormDataEntryValue | null): UploadProblem | null {
  if (!(value instanceof File) || (value.size === 0 && value.name === "")) return { empty: false };
  if (value.size === 0) return { empty: true, key: "upload.empty", params: { name: value.name } };
  return null;
}
