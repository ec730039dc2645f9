// The CSP nonce of the current response, handed from entry.server to the document's scripts. It
// does not depend on the root loader: a page whose loaders never ran (an error before them) still
// gets a nonce on its inline scripts, so the browser runs them (and hydration works).
import { createContext, useContext } from "react";

export const NonceContext = createContext<string | undefined>(undefined);

export const useNonce = () => useContext(NonceContext);
