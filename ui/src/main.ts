import { mount } from 'svelte';
import App from './App.svelte';
import { inTauri, tauriHost, type Host } from './lib/host';
import './app.css';

// Inside the Tauri window the real host; `?fake` (or a plain browser) gets the in-memory
// stand-in, so the UI can be worked on with `npm run dev` alone.
async function pickHost(): Promise<Host> {
  const wantsFake = new URLSearchParams(location.search).has('fake');
  if (inTauri() && !wantsFake) return tauriHost();
  const { FakeHost } = await import('./lib/host.fake');
  return new FakeHost();
}

const target = document.getElementById('app');
if (target) {
  void pickHost().then((host) => mount(App, { target, props: { host } }));
}
