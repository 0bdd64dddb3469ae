// The /v1 API as the console calls it: the key from sessionStorage in x-api-key, never in a URL.

const BASE = document.querySelector('meta[name="herald-base"]').content;
const KEY = "herald.key";
const WHO = "herald.whoami";
const RANK = { viewer: 0, editor: 1, admin: 2 };

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `Herald answered ${status}.`);
    this.status = status;
    this.code = body && body.code;
    this.details = (body && body.details) || [];
    this.body = body;
  }
}

let signedOut = () => {};

export const session = {
  key: () => sessionStorage.getItem(KEY),
  who: () => JSON.parse(sessionStorage.getItem(WHO) || "null"),
  // What the key's role may do: screens and buttons offer only that.
  can: (role) => {
    const who = session.who();
    return who !== null && RANK[who.role] >= RANK[role];
  },
  async signIn(key) {
    const who = await request("GET", "/v1/whoami", undefined, key);
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(WHO, JSON.stringify(who));
    return who;
  },
  signOut(reason) {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(WHO);
    signedOut(reason);
  },
  onSignOut(handler) {
    signedOut = handler;
  },
};

async function request(method, path, body, key) {
  const headers = { "x-api-key": key };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
    credentials: "omit",
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: `Herald answered ${response.status} with something that is not JSON.` };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export async function api(method, path, body) {
  try {
    return await request(method, path, body, session.key());
  } catch (error) {
    // A key revoked, or never valid: the console has nothing left to show.
    if (error instanceof ApiError && error.status === 401) session.signOut("Your API key is no longer valid. Sign in again.");
    throw error;
  }
}

export function query(parameters) {
  const given = Object.entries(parameters).filter(([, value]) => value !== undefined && value !== null && value !== "");
  return given.length ? `?${new URLSearchParams(given)}` : "";
}

let kinds = null;

export async function listKinds() {
  kinds =
    kinds ||
    api("GET", "/v1/kinds").then(
      (answer) => answer.data,
      (error) => {
        kinds = null;
        throw error;
      },
    );
  return kinds;
}
