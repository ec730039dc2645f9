// QR codes of resident links, as SVG for posters, slips and the QR download.
import QRCode from "qrcode";

/** A QR code as inline SVG. Level M survives a scuffed or partly covered door poster. */
export async function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 1 });
}
