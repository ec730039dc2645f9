// A CSV template for the register import: UTF-8 with BOM, so Excel opens the Chinese headers.
import { writeCsv } from "~/utils/csv";

const TEMPLATE = writeCsv([
  ["街道", "社区", "小区", "楼栋", "单元", "房号", "空置", "网格", "网格长", "网格长电话", "责任单位"],
  ["城关街道", "东门社区", "锦绣花园", "1号楼", "1单元", "101", "否", "东门社区第1网格", "张三", "13800000000", "县财政局"],
  ["城关街道", "东门社区", "锦绣花园", "1号楼", "1单元", "102", "是", "东门社区第1网格", "张三", "13800000000", "县财政局"],
]);

export async function loader() {
  return new Response(TEMPLATE, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent("住户登记导入模板.csv")}`,
    },
  });
}
