// Interface text for door-to-door visits (入户宣传走访). zh is the default; en must have the same keys.
const zh = {
  "visits.refused.roundClosed": "本轮走访已结束，记录没有保存。",
  "visits.refused.badClientKey": "记录缺少编号，请刷新页面后重新登记。",
  "visits.refused.badHousehold": "记录里的住户不对，请刷新页面后重新登记。",
  "visits.refused.badOutcome": "走访结果不对，请重新选择。",
  "visits.refused.badTime": "走访时间不对，请检查手机时间后重新登记。",
  "visits.refused.inFuture": "走访时间晚于现在，请检查手机的日期和时间。",
  "visits.refused.beforeRound": "走访时间早于本轮开始时间，请检查手机的日期和时间。",
  "visits.refused.noteTooLong": "备注最多 500 字。",
  "visits.refused.notAssigned": "这户不在分配给您的楼栋里，记录没有保存。",
  "visits.refused.assignmentWithdrawn": "这栋楼已改派给别人，您离线时登记的这条记录没有保存，请联系网格长。",
  "visits.refused.undoNotFound": "要撤销的记录找不到了。",
  "visits.refused.repeatedInRequest": "同一条记录重复发送。",
};

const en: Record<keyof typeof zh, string> = {
  "visits.refused.roundClosed": "This round is closed; the log was not stored.",
  "visits.refused.badClientKey": "The log has no id; reload the page and log it again.",
  "visits.refused.badHousehold": "The log names no valid household; reload the page and log it again.",
  "visits.refused.badOutcome": "Unknown outcome; choose it again.",
  "visits.refused.badTime": "The time of the visit is not valid; check the phone's clock and log it again.",
  "visits.refused.inFuture": "The visit is later than now; check the phone's date and time.",
  "visits.refused.beforeRound": "The visit is earlier than the start of the round; check the phone's date and time.",
  "visits.refused.noteTooLong": "A note has at most 500 characters.",
  "visits.refused.notAssigned": "This household is not in your buildings; the log was not stored.",
  "visits.refused.assignmentWithdrawn": "This building was given to someone else; the log you made offline was not stored. Ask your grid leader.",
  "visits.refused.undoNotFound": "The log to take back was not found.",
  "visits.refused.repeatedInRequest": "The same log was sent twice.",
};

export const visitMessages = { zh, en };
