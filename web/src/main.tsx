import { render } from "preact";
import { App } from "./ui/App.tsx";
import "./style.css";

render(<App />, document.getElementById("app")!);

// Offline use (web/src/sw.ts). Production builds only: the dev server has no sw.js. Browsers offer
// service workers in secure contexts only (https, localhost); without one the page still works online.
if (import.meta.env.PROD && "serviceWorker" in navigator) {
  navigator.serviceWorker
    .register("/sw.js")
    .catch((error: Error) => console.warn(`the page will not work offline: its service worker failed to register (${error.message})`));
}
