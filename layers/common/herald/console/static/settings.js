// Provider settings (admin): credentials channels may leave out. Field names and which are secret come from
// the kinds' JSON Schemas (GET /v1/kinds), as the channel form's do.

import { api, listKinds } from "./api.js";
import { h, heading, replace, toast, when } from "./dom.js";
import { clearErrors, configFields, formError, showErrors } from "./form.js";

// Each provider's fields, and the kind whose schema describes them.
const PROVIDERS = [
  { provider: "telegram", kind: "telegram", fields: ["botToken"] },
  { provider: "pushover", kind: "pushover", fields: ["appToken"] },
  { provider: "twilio", kind: "sms", fields: ["accountSid", "authToken", "fromNumber"] },
  { provider: "vonage", kind: "sms", fields: ["apiKey", "apiSecret", "from"] },
];

export async function settingsScreen(main) {
  const [stored, kinds] = await Promise.all([api("GET", "/v1/settings/providers"), listKinds()]);
  const sections = PROVIDERS.map(({ provider, kind, fields }) => {
    const source = kinds.find((one) => one.kind === kind);
    if (!source) return null;
    const properties = Object.fromEntries(fields.map((name) => [name, source.configSchema.properties[name]]).filter(([, schema]) => schema));
    const narrowed = {
      displayName: provider[0].toUpperCase() + provider.slice(1),
      secretFields: source.secretFields,
      configSchema: { properties, required: fields },
    };
    const current = stored.data.find((one) => one.provider === provider);
    const config = configFields(narrowed, current ? current.config || {} : undefined);
    const form = h(
      "form",
      { class: "provider", novalidate: true, "data-provider": provider },
      config,
      formError(),
      h("p", { class: "hint" }, current ? `Stored ${when(current.updatedAt)}.` : "Not stored."),
      h("button", { type: "submit" }, `Save ${narrowed.displayName}`),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      const { config: values, problems } = config.value();
      if (problems.length) return showErrors(form, { message: "Some fields need another look.", details: problems });
      try {
        await api("PUT", `/v1/settings/providers/${provider}`, values);
        toast(`${narrowed.displayName} settings saved.`);
      } catch (error) {
        showErrors(form, error);
      }
    });
    return form;
  });
  replace(main, heading("Provider settings"), h("p", {}, "Credentials SMS, voice, WhatsApp, Telegram and Pushover channels may leave out."), sections);
}
