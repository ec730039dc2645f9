// Every message module (see ./core.ts for why the resident page's browser does without most).
import { addMessages } from "./core";
import { importMessages } from "./messages/import";
import { surveyMessages } from "./messages/surveys";
import { campaignMessages } from "./messages/campaigns";
import { responseMessages } from "./messages/responses";
import { rateMessages } from "./messages/rates";
import { visitMessages } from "./messages/visits";
import { ticketMessages } from "./messages/tickets";
import { spotCheckMessages } from "./messages/spot-checks";
import { visitFormMessages } from "./messages/visit-forms";
import { hotlineMessages } from "./messages/hotline";

export * from "./core";

addMessages(
  importMessages,
  surveyMessages,
  campaignMessages,
  responseMessages,
  rateMessages,
  visitMessages,
  ticketMessages,
  spotCheckMessages,
  visitFormMessages,
  hotlineMessages,
);
