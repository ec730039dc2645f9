// Messages for reading uploaded spreadsheets (import.table.*) and validating the place register
// (import.register.*). Readers are county and community office clerks: say what is wrong and how to fix it.
const zh = {
  "import.table.empty": "文件「{file}」是空的，或者没有列名行。第一行应填写列名（如“街道”“社区”），从第二行开始每行填写一条数据。",
  "import.table.unreadable":
    "无法读取文件「{file}」：它不是 Excel（.xlsx）或 CSV 表格，或者文件已损坏。请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。",
  "import.table.legacyExcel":
    "文件「{file}」是旧版 Excel（.xls）格式或设置了打开密码，无法读取。请用 Excel 或 WPS 打开，取消密码后另存为 .xlsx 再上传。",
  "import.table.tooManyRows": "文件「{file}」超过 {max} 行数据，请拆分成几个文件分别上传。",
  "import.table.inflatesTooLarge":
    "文件「{file}」解压后超过 {mb} MB，无法读取。请删除多余的工作表、格式或空行后另存为 .xlsx，或拆分成几个文件分别上传。",
  "import.table.emptyHeader":
    "第 {line} 行（列名行）的第 {column} 列没有列名。请补上列名或删除这一列；如果表格上方有标题行，请先删除标题行。",
  "import.table.duplicateHeader": "第 {line} 行（列名行）中列名「{column}」出现了不止一次，请删除重复的列或改名。",
  "import.table.extraCells": "第 {line} 行有 {cells} 列内容，但列名只有 {columns} 个。请检查这一行是否多填了内容或多了分隔符（逗号）。",
  "import.table.unclosedQuote": '第 {line} 行开始的引号（"）没有结束，文件可能不完整。请用 Excel 打开检查后重新保存再上传。',
  "import.table.severalSheets": "文件「{file}」有多个含数据的工作表：{sheets}。请选择要导入的工作表。",
  "import.table.noSuchSheet": "文件「{file}」中没有工作表「{sheet}」。含数据的工作表：{sheets}。",
  "import.table.unreadableAt":
    "文件「{file}」第 {line} 行含有无法识别的字符：文件的编码不对，或文件已损坏。请用 Excel 或 WPS 打开后另存为「CSV UTF-8」或 .xlsx 再上传。",

  "import.register.missingColumn": "缺少必填列「{column}」。请在列名行加上这一列。",
  "import.register.unknownColumn": "无法识别的列「{column}」。请检查列名是否写错（例如中间多了空格）；如果是不需要的列，请删除后再上传。",
  "import.register.duplicateColumn": "列「{column}」和列「{other}」是同一项内容，请只保留一列。",
  "import.register.gridColumnMissing": "表格中有「{column}」列，但没有「网格」列。请加上「网格」列，或删除「{column}」列。",
  "import.register.noRows": "表格中没有数据。请从列名行的下一行开始，每户填写一行。",
  "import.register.required": "第 {line} 行「{column}」：不能为空。",
  "import.register.tooLong": "第 {line} 行「{column}」：内容太长，最多 {max} 个字。",
  "import.register.badVacant": "第 {line} 行「{column}」：无法识别“{value}”，请填写“是”或“否”（不填表示否）。",
  "import.register.badPhone":
    "第 {line} 行「{column}」：“{value}”不是有效的电话号码。请填写 11 位手机号（如 13812345678）或带区号的座机号（如 0571-88888888）。",
  "import.register.duplicateHousehold":
    "第 {line} 行：与第 {firstLine} 行是同一户（街道、社区、小区、楼栋、单元、房号都相同），请删除重复的行。",
  "import.register.gridConflict":
    "第 {line} 行：网格「{grid}」的「{column}」填的是“{value}”，但第 {firstLine} 行填的是“{firstValue}”。同一网格只能填一个，请统一。",
  "import.register.gridInTwoCommunities":
    "第 {line} 行：网格「{grid}」填在了社区「{community}」，但第 {firstLine} 行的同名网格在社区「{otherCommunity}」。一个网格只能属于一个社区；如果是两个不同的网格，请改用不同的名称（如加上社区名）。",
  "import.register.buildingInTwoGrids":
    "第 {line} 行：小区「{compound}」的楼栋「{building}」划入了网格「{grid}」，但第 {firstLine} 行把它划入了网格「{otherGrid}」。同一栋楼只能属于一个网格。",
  "import.register.gridInfoWithoutGrid":
    "第 {line} 行：填写了网格长、网格长电话或责任单位，但「{column}」是空的。请补上网格名称，或清空这些内容。",
};

// Typed against zh so a key missing from, or extra in, the English set fails type checking.
const en: Record<keyof typeof zh, string> = {
  "import.table.empty":
    'The file "{file}" is empty or has no header row. The first row must hold the column names (such as "街道", "社区"), with one record per row below it.',
  "import.table.unreadable":
    'The file "{file}" cannot be read: it is not an Excel (.xlsx) or CSV spreadsheet, or it is damaged. Open it in Excel or WPS, save it as .xlsx and upload it again.',
  "import.table.legacyExcel":
    'The file "{file}" is an old Excel (.xls) file or is password-protected. Open it in Excel or WPS, remove the password, save it as .xlsx and upload it again.',
  "import.table.tooManyRows": 'The file "{file}" has more than {max} data rows. Split it into several files and upload them one by one.',
  "import.table.inflatesTooLarge":
    'The file "{file}" unpacks to more than {mb} MB and cannot be read. Delete extra sheets, formatting or empty rows and save it as .xlsx again, or split it into several files.',
  "import.table.emptyHeader":
    "Column {column} of row {line} (the header row) has no name. Add a name or delete the column; if there is a title row above the headers, delete it first.",
  "import.table.duplicateHeader":
    'The column name "{column}" appears more than once in row {line} (the header row). Delete or rename the duplicate column.',
  "import.table.extraCells":
    "Row {line} has {cells} cells but there are only {columns} column names. Check the row for extra content or an extra delimiter (comma).",
  "import.table.unclosedQuote":
    'The quote mark (") opened on row {line} is never closed; the file may be incomplete. Open it in Excel, check it, save it and upload it again.',
  "import.table.severalSheets": 'The file "{file}" has several sheets with data: {sheets}. Choose the sheet to import.',
  "import.table.noSuchSheet": 'The file "{file}" has no sheet "{sheet}". Sheets with data: {sheets}.',
  "import.table.unreadableAt":
    'Row {line} of the file "{file}" holds characters that cannot be read: the file is in another encoding or damaged. Open it in Excel or WPS and save it as "CSV UTF-8" or .xlsx.',

  "import.register.missingColumn": 'The required column "{column}" is missing. Add it to the header row.',
  "import.register.unknownColumn":
    'The column "{column}" is not recognised. Check the name for typos (such as an extra space); if the column is not needed, delete it and upload again.',
  "import.register.duplicateColumn": 'The columns "{column}" and "{other}" hold the same information. Keep only one of them.',
  "import.register.gridColumnMissing":
    'There is a "{column}" column but no "网格" (grid) column. Add a "网格" column or delete the "{column}" column.',
  "import.register.noRows": "The spreadsheet has no data. Below the header row, fill in one row per household.",
  "import.register.required": 'Row {line}, "{column}": must not be empty.',
  "import.register.tooLong": 'Row {line}, "{column}": too long, at most {max} characters.',
  "import.register.badVacant": 'Row {line}, "{column}": "{value}" is not understood. Enter "是" (yes) or "否" (no); empty means no.',
  "import.register.badPhone":
    'Row {line}, "{column}": "{value}" is not a valid phone number. Enter an 11-digit mobile number (such as 13812345678) or a landline with area code (such as 0571-88888888).',
  "import.register.duplicateHousehold":
    "Row {line}: the same household as row {firstLine} (street, community, compound, building, stairwell and room are all equal). Delete the duplicate row.",
  "import.register.gridConflict":
    'Row {line}: grid "{grid}" has "{column}" = "{value}", but row {firstLine} has "{firstValue}". A grid can have only one; make them the same.',
  "import.register.gridInTwoCommunities":
    'Row {line}: grid "{grid}" is in community "{community}", but row {firstLine} has a grid of the same name in community "{otherCommunity}". A grid belongs to one community; if these are two different grids, give them different names (for example, add the community name).',
  "import.register.buildingInTwoGrids":
    'Row {line}: building "{building}" of compound "{compound}" is put in grid "{grid}", but row {firstLine} puts it in grid "{otherGrid}". A building can belong to only one grid.',
  "import.register.gridInfoWithoutGrid":
    'Row {line}: a grid leader, phone or responsible unit is given but "{column}" is empty. Fill in the grid name or clear those cells.',
};

export const importMessages = { zh, en };
