// Talking to /v1: one fetch wrapper, the token (sessionStorage only, sent only as an Authorization header).
const TOKEN_KEY = "policytag.token";

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export function hasToken() {
  return Boolean(sessionStorage.getItem(TOKEN_KEY));
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  document.dispatchEvent(new CustomEvent("token-changed"));
}

/** Ask for the token in the dialog; resolves true once one is stored, false if cancelled. */
export function askToken(reason) {
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  const why = document.getElementById("token-why");
  let extra = document.getElementById("token-extra");
  if (!extra) {
    extra = why.appendChild(document.createElement("strong"));
    extra.id = "token-extra";
  }
  extra.textContent = reason ? ` ${reason}` : "";
  input.value = "";
  return new Promise((resolve) => {
    const done = (ok) => {
      dialog.removeEventListener("close", onClose);
      cancel.removeEventListener("click", onCancel);
      resolve(ok);
    };
    const onClose = () => {
      const token = input.value.trim();
      input.value = "";  // never left lying in the DOM
      if (dialog.returnValue === "ok" && token) {
        sessionStorage.setItem(TOKEN_KEY, token);
        document.dispatchEvent(new CustomEvent("token-changed"));
        done(true);
      } else done(false);
    };
    const cancel = document.getElementById("token-cancel");
    const onCancel = () => dialog.close("cancel");
    dialog.addEventListener("close", onClose);
    cancel.addEventListener("click", onCancel);
    dialog.returnValue = "";
    dialog.showModal();
    input.focus();
  });
}

const PLAIN = {
  401: "需要 API 令牌才能写入（401）。 This action needs the API token.",
  403: "令牌被拒绝（403）：令牌不对，或服务器没有设置令牌。请重新输入。 The server refused the token.",
  404: "服务器还没有这个功能（404）。 The server does not offer this yet.",
  413: "文件或文本太大（413）。 Too large for the server's limit.",
  415: "不支持的文件类型（415）。 Unsupported file type.",
  503: "服务器暂时不可用（503）。 The server is not ready.",
};

/** A plain sentence for an error, in Chinese with the English and the server's own words. */
export function explain(error) {
  if (!(error instanceof ApiError)) return `无法连接服务器 Cannot reach the server: ${error.message}`;
  const plain = PLAIN[error.status] || `请求失败（${error.status}） Request failed.`;
  const detail = error.body && typeof error.body.error === "string" ? ` — ${error.body.error}` : "";
  return plain + detail;
}

/**
 * Call the API. opts.write: needs the token (asked once if missing; a 401/403 forgets it and asks again once).
 * body: an object (sent as JSON) or FormData. Resolves to the parsed JSON; rejects with ApiError.
 */
export async function api(method, path, body = undefined, opts = {}) {
  if (opts.write && !hasToken()) {
    if (!(await askToken())) throw new ApiError(401, "no token", { error: "没有输入令牌 no token entered" });
  }
  for (let attempt = 0; ; attempt++) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token && (opts.write || opts.sendToken !== false)) headers.Authorization = `Bearer ${token}`;
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    const response = await fetch(path, { method, headers, body: payload, credentials: "same-origin",
                                         cache: "no-store", referrerPolicy: "no-referrer" });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (response.ok) return data;
    if (response.status === 401 || response.status === 403) {
      // A wrong token is forgotten; the person is asked once more, told why (reads too, when the server
      // requires the token for them: POLICYTAG_READS_NEED_TOKEN).
      if (token) forgetToken();
      if (attempt === 0 && (await askToken(explain(new ApiError(response.status, "", data))))) continue;
    }
    throw new ApiError(response.status, (data && data.error) || response.statusText, data);
  }
}
