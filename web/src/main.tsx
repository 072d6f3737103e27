import { render } from "preact";
import { App } from "./ui/App.tsx";
import "./style.css";

render(<App />, document.getElementById("app")!);
