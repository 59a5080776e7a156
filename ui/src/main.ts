import { mount } from "svelte";
import App from "./App.svelte";
import { selectBackend } from "./backend";
import { detectLanguage, locale } from "./i18n/index.svelte";
import "./app.css";

locale.language = detectLanguage(navigator.languages);

const target = document.getElementById("app");
if (target) {
  mount(App, { target, props: { backend: selectBackend() } });
}
