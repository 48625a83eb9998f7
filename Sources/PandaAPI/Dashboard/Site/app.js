// Panda's dashboard: asks for the API key when one is needed, then shows the connect and
// deploy forms, the live list, and the deployment named by `?deployment={id}`.
import { apiKey, apiKeyRequired, onUnauthorized, setApiKey } from './api.js';
import { DeploymentView } from './deployment.js';
import { ConnectForms } from './forms.js';
import { DeploymentList } from './list.js';

const keySection = document.querySelector('#key-section');
const keyForm = document.querySelector('#key-form');
const keyInput = document.querySelector('#api-key');
const keyError = document.querySelector('#api-key-error');
const workspace = document.querySelector('#workspace');

const view = new DeploymentView(document.querySelector('#detail'), { onChange: () => list.refresh() });
const list = new DeploymentList(workspace, { onSelect: (id) => open(id) });
const forms = new ConnectForms(workspace, { onDeployed: (id) => { list.refresh(); open(id); } });

/** Shows the deployment in the address (`/?deployment={id}`), or none. */
function route() {
  const id = new URLSearchParams(location.search).get('deployment');
  if (id && /^[A-Za-z0-9_-]{1,64}$/.test(id)) view.show(id);
  else view.hide();
  list.select(id);
}

function open(id) {
  history.pushState(null, '', `/?deployment=${encodeURIComponent(id)}`);
  route();
  view.focus();
}

function start() {
  keySection.hidden = true;
  workspace.hidden = false;
  list.start();
  forms.loadConnections();
  route();
}

function askForKey(problem) {
  list.stop();
  view.hide();
  workspace.hidden = true;
  keySection.hidden = false;
  keyError.textContent = problem ?? '';
  if (problem) keyInput.setAttribute('aria-invalid', 'true');
  else keyInput.removeAttribute('aria-invalid');
  keyInput.focus();
}

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) {
    askForKey('Enter the API key.');
    return;
  }
  setApiKey(key);
  keyInput.value = '';
  start();
});

onUnauthorized(() => {
  if (!keySection.hidden) return;
  setApiKey('');
  askForKey('Panda refused this key (401). Enter a valid API key.');
});

window.addEventListener('popstate', route);

if (apiKeyRequired && !apiKey()) askForKey();
else start();
