// The CSV template for the register import: UTF-8 with BOM, so Excel opens the Chinese headers.
import { writeCsv } from "~/utils/csv";

export const REGISTER_TEMPLATE = writeCsv([
  ["街道", "社区", "小区", "楼栋", "单元", "房号", "空置", "网格", "网格长", "网格长电话", "责任单位"],
  ["城关街道", "东门社区", "锦绣花园", "1号楼", "1单元", "101", "否", "东门社区第1网格", "张三", "13800000000", "县财政局"],
  ["城关街道", "东门社区", "锦绣花园", "1号楼", "1单元", "102", "是", "东门社区第1网格", "张三", "13800000000", "县财政局"],
]);
