// The entry point: the page's styles, and the page started on tauri's IPC.
import "./style.css";

import { start } from "./app";
import { tauriApi } from "./tauri";

start(tauriApi);
