// Connecting GitHub and AWS, and starting a deployment. Panda's error messages (SPEC section 2)
// are shown next to the field they are about; the rest under the form.
import { ApiError, call } from './api.js';
import { el } from './text.js';

/** The field a contract error names: "Missing required field: owner", "Invalid field 'owner': …". */
function namedField(message) {
  return /(?:Missing required field: |Invalid field ')(\w+)/.exec(message)?.[1] ?? null;
}

const githubField = (message) => namedField(message)
  ?? (/Repository not found/.test(message) ? 'repo'
    : /Bad credentials/.test(message) ? 'token'
      : /Branch not found/.test(message) ? 'branch' : null);

const awsField = (message) => namedField(message)
  ?? (/InvalidClientTokenId|security token included in the request is invalid|access key/i.test(message) ? 'accessKeyId'
    : /SignatureDoesNotMatch|signature/i.test(message) ? 'secretAccessKey'
      : /region/i.test(message) ? 'region' : null);

const deployField = (message) => namedField(message)
  ?? (/GitHub connection|does not match the GitHub connection/.test(message) ? 'githubConnectionId'
    : /AWS connection/.test(message) ? 'awsConnectionId' : null);

/**
 * Wires a form to a POST: clears old errors, sends the named fields, shows the answer.
 * @param {string} prefix id prefix of the form's inputs and their `-error` paragraphs.
 */
function bindForm(form, { prefix, path, body, fieldFor, secrets = [], onSuccess }) {
  const status = form.querySelector('.form-status');
  const button = form.querySelector('button[type="submit"]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    for (const error of form.querySelectorAll('.field-error')) error.textContent = '';
    status.textContent = 'Checking…';
    status.className = 'form-status';
    button.disabled = true;
    try {
      const envelope = await call('POST', path, body());
      status.textContent = envelope.message;
      for (const name of secrets) form.elements[name].value = '';
      await onSuccess(envelope.data);
    } catch (error) {
      const message = error instanceof ApiError ? error.message : `Panda did not answer (${error.message})`;
      const name = error instanceof ApiError ? fieldFor(message) : null;
      const input = name && form.querySelector(`#${prefix}-${name}`);
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        form.querySelector(`#${prefix}-${name}-error`).textContent = message;
        status.textContent = '';
        input.focus();
      } else {
        status.textContent = message;
        status.className = 'form-status error';
      }
    } finally {
      button.disabled = false;
    }
  });
}

const values = (form, names) => Object.fromEntries(names.map((name) => [name, form.elements[name].value.trim()]));

export class ConnectForms {
  /** @param {{onDeployed: Function}} hooks onDeployed(id) after a deployment started. */
  constructor(root, hooks) {
    const github = root.querySelector('#github-form');
    const aws = root.querySelector('#aws-form');
    const deploy = root.querySelector('#deploy-form');
    this.deploy = deploy;
    this.connections = [];

    bindForm(github, {
      prefix: 'github', path: '/api/v1/connect/github', fieldFor: githubField, secrets: ['token'],
      body: () => values(github, ['owner', 'repo', 'branch', 'token']),
      onSuccess: (data) => this.loadConnections({ github: data.githubConnectionId }),
    });
    bindForm(aws, {
      prefix: 'aws', path: '/api/v1/connect/aws', fieldFor: awsField, secrets: ['secretAccessKey', 'sessionToken'],
      body: () => {
        const body = values(aws, ['region', 'accessKeyId', 'secretAccessKey']);
        const sessionToken = aws.elements.sessionToken.value.trim();
        return sessionToken ? { ...body, sessionToken } : body;
      },
      onSuccess: (data) => this.loadConnections({ aws: data.awsConnectionId }),
    });
    bindForm(deploy, {
      prefix: 'deploy', path: '/api/v1/deploy', fieldFor: (message) => {
        const name = deployField(message);
        return { githubConnectionId: 'github', awsConnectionId: 'aws' }[name] ?? name;
      },
      body: () => {
        const chosen = this.connections.find((c) => c.id === deploy.elements.githubConnectionId.value);
        return {
          githubConnectionId: deploy.elements.githubConnectionId.value,
          awsConnectionId: deploy.elements.awsConnectionId.value,
          owner: chosen?.owner ?? '',
          repo: chosen?.repo ?? '',
          branch: deploy.elements.branch.value.trim(),
        };
      },
      onSuccess: (data) => hooks.onDeployed(data.deploymentId),
    });
    deploy.elements.githubConnectionId.addEventListener('change', () => this.fillBranch());
  }

  /** Fills the deploy form's choices; `select` names connections to choose (just made). */
  async loadConnections(select = {}) {
    try {
      const envelope = await call('GET', '/api/v1/connections');
      this.connections = envelope.data;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) {
        this.deploy.querySelector('.form-status').textContent = `Could not list connections: ${error.message}`;
      }
      return;
    }
    const { githubConnectionId: githubSelect, awsConnectionId: awsSelect } = this.deploy.elements;
    const fill = (selectElement, kind, label, wanted) => {
      const current = wanted ?? selectElement.value;
      const options = this.connections.filter((c) => c.kind === kind)
        .map((c) => el('option', { value: c.id, selected: c.id === current }, `${label(c)} — ${c.id}`));
      selectElement.replaceChildren(...(options.length ? options : [el('option', { value: '' }, `No ${kind === 'aws' ? 'AWS' : 'GitHub'} connection yet`)]));
    };
    const githubBefore = githubSelect.value;
    fill(githubSelect, 'github', (c) => `${c.owner}/${c.repo} (${c.branch})`, select.github);
    fill(awsSelect, 'aws', (c) => `${c.accountId} in ${c.region}`, select.aws);
    if (githubSelect.value !== githubBefore || !this.deploy.elements.branch.value) this.fillBranch();
  }

  fillBranch() {
    const chosen = this.connections.find((c) => c.id === this.deploy.elements.githubConnectionId.value);
    if (chosen) this.deploy.elements.branch.value = chosen.branch;
  }
}
