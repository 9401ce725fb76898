// The Report tab: "My on-call report" over the chosen period, fetched from the tray app
// when the tab opens, when the period changes and after each view while it is shown;
// its CSV exported by the tray app into the download folder.

import type { Api } from "../api";
import { reason } from "../api";
import { byId, el, type ShowMessage } from "../dom";
import { chartElement, DEFAULT_REPORT_DAYS, emptyText, figureRows, periodWords, serviceName } from "../report";
import type { ExportedCsv, ReportAnswer } from "../types";

export class ReportPanel {
  /** Counts requests, so an answer that arrives after a newer one is dropped. */
  private asked = 0;
  private readonly period = byId<HTMLSelectElement>("report-days");
  private readonly exportButton = byId<HTMLButtonElement>("report-export");
  private readonly openFolder = byId<HTMLButtonElement>("report-open-folder");

  constructor(
    private readonly api: Api,
    private readonly showMessage: ShowMessage,
    signal: AbortSignal,
  ) {
    this.period.value = String(DEFAULT_REPORT_DAYS);
    this.period.addEventListener("change", () => void this.refresh(), { signal });
    this.exportButton.addEventListener("click", () => void this.exportCsv(), { signal });
    this.openFolder.addEventListener("click", () => void this.openExportFolder(), { signal });
  }

  /** The chosen period in days. */
  get days(): number {
    return Number(this.period.value) || DEFAULT_REPORT_DAYS;
  }

  async refresh(): Promise<void> {
    const ask = ++this.asked;
    const days = this.days;
    try {
      const answer = await this.api.getReport(days);
      if (ask === this.asked) this.render(answer);
    } catch (e) {
      if (ask === this.asked) this.showMessage(`Could not make the report: ${reason(e)}`);
    }
  }

  render(answer: ReportAnswer): void {
    const { report } = answer;
    const empty = report.totals.pages === 0;
    byId("report-empty").textContent = emptyText(answer.days);
    byId("report-empty").hidden = !empty;
    byId("report-body").hidden = empty;
    byId("report-body").dataset.days = String(answer.days);

    const chart = chartElement(answer.chart_svg);
    byId("report-chart").replaceChildren(...(chart ? [chart] : []));

    byId("report-figures").replaceChildren(
      ...figureRows(report).map(([label, value]) =>
        el("tr", {}, el("th", { scope: "row" }, label), el("td", {}, value)),
      ),
    );
    const services = report.noisiest_services.map((service) =>
      el("li", {}, `${serviceName(service.service)}: ${service.pages}`),
    );
    byId("report-services").replaceChildren(...services);
    byId("report-services-section").hidden = services.length === 0;
    const incidents = report.incidents_that_rang_most.map((incident) =>
      el(
        "li",
        { "data-key": `${incident.incident.account}/${incident.incident.id}` },
        `${incident.title}${incident.service === null ? "" : ` (${incident.service})`}: ${incident.pages}`,
      ),
    );
    byId("report-incidents").replaceChildren(...incidents);
    byId("report-incidents-section").hidden = incidents.length === 0;
  }

  private async exportCsv(): Promise<void> {
    const days = this.days;
    this.exportButton.disabled = true;
    try {
      this.exported(await this.api.exportReportCsv(days), days);
    } catch (e) {
      this.showMessage(`Could not export the report: ${reason(e)}`);
    } finally {
      this.exportButton.disabled = false;
    }
  }

  private exported(exported: ExportedCsv, days: number): void {
    const line = byId("report-exported");
    byId("report-exported-text").textContent = `Saved the report of ${periodWords(days)} as ${exported.file}`;
    line.dataset.file = exported.file;
    line.hidden = false;
  }

  /** Disabled while asked, so a double click opens one window. */
  private async openExportFolder(): Promise<void> {
    this.openFolder.disabled = true;
    try {
      await this.api.openReportFolder();
    } catch (e) {
      this.showMessage(`Could not open the folder: ${reason(e)}`);
    } finally {
      this.openFolder.disabled = false;
    }
  }
}
