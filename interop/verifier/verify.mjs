// Verify Open Badges 3.0 credentials with Digital Bazaar's libraries (code nobody in this project wrote).
//
//   node verify.mjs INPUT.json
//
// INPUT: {"documents": {url: document, ...}, "credentials": [{"name": ..., "credential": {...}}, ...]}
// `documents` are what the project serves (the issuer profile, the status list credential); the
// JSON-LD contexts come from the npm context packages and contexts/ (vendored): nothing is fetched
// from the network.  Prints one JSON line per credential:
//   {"name", "verified", "error", "status": {"checked", "revoked"} }
// and exits 0 (the caller decides what each result must be).
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import {contexts as bslContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import securityContext from '@digitalbazaar/security-context';

const here = dirname(fileURLToPath(import.meta.url));
const OB_CONTEXT_URL = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';

const contexts = new Map();
for(const map of [
  credentialsContexts, dataIntegrityContext.contexts, multikeyContext.contexts, bslContexts,
  securityContext.contexts,
]) {
  for(const [url, document] of map) {
    contexts.set(url, document);
  }
}
contexts.set(OB_CONTEXT_URL, JSON.parse(readFileSync(join(here, 'contexts', 'ob-context-3.0.3.json'), 'utf8')));

function makeDocumentLoader(served) {
  return async url => {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    const [base, fragment] = url.split('#');
    const document = served[base];
    if(!document) {
      throw new Error(`document loader: ${url} is neither a vendored context nor a served document`);
    }
    if(fragment === undefined) {
      return {contextUrl: null, documentUrl: url, document};
    }
    // a verification method: the Multikey with this id in its controller document
    const method = (document.verificationMethod || []).find(m => m.id === url);
    if(!method) {
      throw new Error(`document loader: ${base} publishes no verification method ${url}`);
    }
    return {
      contextUrl: null,
      documentUrl: url,
      document: {'@context': multikeyContext.CONTEXT_URL, ...method},
    };
  };
}

function message(error) {
  if(!error) {
    return null;
  }
  const errors = Array.isArray(error) ? error : [error];
  return errors.map(e => {
    const inner = e.errors ? `: ${message(e.errors)}` : '';
    const cause = e.cause ? ` (${e.cause.message || e.cause})` : '';
    return `${e.name || 'Error'}: ${e.message}${inner}${cause}`;
  }).join('; ');
}

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const documentLoader = makeDocumentLoader(input.documents || {});
const suite = new DataIntegrityProof({cryptosuite: createVerifyCryptosuite()});

for(const {name, credential} of input.credentials) {
  let result;
  try {
    result = await vc.verifyCredential({
      credential,
      suite,
      documentLoader,
      checkStatus: credential.credentialStatus ? checkStatus : undefined,
    });
  } catch(e) {
    result = {verified: false, error: e};
  }
  const status = {checked: false, revoked: null};
  if(result.statusResult) {
    status.checked = true;
    const entries = result.statusResult.results || [];
    status.revoked = entries.some(r => r.credentialStatus?.statusPurpose === 'revocation' && r.status === true);
    if(!result.statusResult.verified) {
      status.error = message(result.statusResult.error);
    }
  }
  const proofErrors = (result.results || []).filter(r => !r.verified).map(r => message(r.error));
  const error = result.verified ? null : [message(result.error), ...proofErrors].filter(Boolean).join('; ');
  console.log(JSON.stringify({name, verified: Boolean(result.verified), error, status}));
}
