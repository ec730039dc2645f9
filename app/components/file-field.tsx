// The one file of an upload form (sent as `file`; the server reads it with readUpload/uploadedFile).
export function FileField({ label, accept }: { label: string; accept: string }) {
  return (
    <label>
      {label}
      <input type="file" name="file" accept={accept} required />
    </label>
  );
}

/** The spreadsheets readTable reads: CSV (and .txt exports of it) and XLSX. */
export const TABLE_ACCEPT = ".csv,.xlsx,.txt,text/csv";
