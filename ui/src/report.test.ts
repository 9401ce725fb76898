// @vitest-environment happy-dom
// The Report tab: its words and chart as functions, then the real page on a fake tray app.

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { chartElement, durationText, emptyText, figureRows, REPORT_PERIODS } from "./report";
import { CHART_SVG, report, reportAnswer } from "./test/fixtures";
import { $, openPage, settle, type Page } from "./test/page";

describe("words", () => {
  it("offers today and the last 7, 14 and 30 days", () => {
    expect(REPORT_PERIODS.map((p) => p.days)).toEqual([1, 7, 14, 30]);
  });

  it("says the period when nothing paged", () => {
    expect(emptyText(7)).toBe("No pages in the last 7 days");
    expect(emptyText(1)).toBe("No pages today");
  });

  it("words durations as the terminal report does", () => {
    expect([45, 60, 245, 3599, 7380].map(durationText)).toEqual(["45s", "1m 00s", "4m 05s", "59m 59s", "2h 03m"]);
  });

  it("lists the figures with counts per day and the acknowledgement percentiles", () => {
    const rows = figureRows(
      report(2, {
        totals: {
          pages: 5,
          repeat_pages: 1,
          high_urgency_pages: 4,
          incidents: 3,
          working_hours: 2,
          outside_working_hours: 3,
          pages_during_sleep: 2,
          sleep_interruptions: 1,
        },
        time_to_acknowledge: {
          acknowledged_by_me: 2,
          p50_seconds: 45,
          p90_seconds: 245,
          handled_by_others: 1,
          unacknowledged: 0,
        },
      }),
    );
    expect(rows).toEqual([
      ["Pages", "5 (4 high urgency, 1 repeat) for 3 incidents"],
      ["In working hours", "2 (1 a day)"],
      ["Outside working hours", "3 (1.5 a day)"],
      ["Sleep interruptions", "1 (2 pages during sleep hours)"],
      ["Time to acknowledge", "p50 45s · p90 4m 05s (2 acknowledged by you)"],
      ["Handled by others", "1"],
      ["Not acknowledged", "0"],
    ]);
  });

  it("says when the user acknowledged nothing", () => {
    expect(figureRows(report(7))).toContainEqual(["Time to acknowledge", "nothing acknowledged by you"]);
  });

  it("counts a rare page per day in hundredths rather than as none", () => {
    const rare = report(30, { totals: { ...report().totals, pages: 1, outside_working_hours: 1 } });
    expect(figureRows(rare)).toContainEqual(["Outside working hours", "1 (0.03 a day)"]);
    expect(figureRows(rare)).toContainEqual(["In working hours", "0 (0 a day)"]);
  });
});

describe("chartElement", () => {
  it("keeps the chart's shapes and texts as SVG", () => {
    const svg = chartElement(CHART_SVG)!;
    expect(svg).toBeInstanceOf(SVGSVGElement);
    expect(svg.getAttribute("viewBox")).toBe("0 0 220 146");
    expect(svg.querySelectorAll("rect")).toHaveLength(2);
    expect(svg.querySelector("g.day")?.getAttribute("data-date")).toBe("2026-03-10");
    expect(svg.querySelector("text.count")?.textContent).toBe("3");
  });

  it("never lets markup in the chart run, load or become HTML", () => {
    const hostile =
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)">' +
      '<script>alert(2)</script><title>&lt;img src=x onerror=alert(3)&gt;</title>' +
      '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><img src="x"/></div></foreignObject>' +
      '<a href="https://example.com"><rect width="1" height="1" onclick="alert(4)"/></a>' +
      '<rect width="2" height="2" style="fill:url(https://example.com/x)"/></svg>';
    const svg = chartElement(hostile)!;
    const elements = [svg, ...svg.querySelectorAll("*")];
    expect(elements.map((e) => e.localName)).toEqual(["svg", "title", "rect"]);
    expect(elements.flatMap((e) => e.getAttributeNames())).toEqual(["viewBox", "width", "height"]);
    expect(svg.querySelector("title")?.textContent).toBe("<img src=x onerror=alert(3)>");
    expect(svg.querySelectorAll("rect")).toHaveLength(1);
  });

  it("refuses what is not a well-formed SVG document", () => {
    expect(chartElement("<div>not a chart</div>")).toBeNull();
    expect(chartElement('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>')).toBeNull();
    expect(chartElement("<svg><rect/></svg>")).toBeNull();
  });
});

describe("the Report tab", () => {
  let page: Page;
  beforeEach(() => {
    page = openPage();
  });
  afterEach(() => page.stop());

  async function openReport(): Promise<void> {
    $("#tab-report").click();
    await settle();
  }

  it("asks for the last 7 days when it opens, and says when nothing paged", async () => {
    await openReport();
    expect(page.api.getReport).toHaveBeenCalledWith(7);
    expect($("#report-empty").hidden).toBe(false);
    expect($("#report-empty").textContent).toBe("No pages in the last 7 days");
    expect($("#report-body").hidden).toBe(true);
  });

  it("shows the figures, the chart and the most-paged lists", async () => {
    page.api.getReport.mockResolvedValue(
      reportAnswer(7, {
        totals: { ...report().totals, pages: 3, incidents: 2, working_hours: 1, outside_working_hours: 2 },
        noisiest_services: [
          { service: "Checkout", pages: 2 },
          { service: null, pages: 1 },
        ],
        incidents_that_rang_most: [
          { incident: { account: "work", id: "P1" }, title: "#1 <b>Disk</b> full", service: "Checkout", pages: 2, repeat_pages: 1 },
        ],
      }),
    );
    await openReport();
    expect($("#report-empty").hidden).toBe(true);
    expect($("#report-body").hidden).toBe(false);
    expect($("#report-chart svg").querySelectorAll("rect")).toHaveLength(2);
    const figures = [...document.querySelectorAll("#report-figures tr")].map((tr) => tr.textContent);
    expect(figures[0]).toBe("Pages3 (0 high urgency, 0 repeats) for 2 incidents");
    expect([...document.querySelectorAll("#report-services li")].map((li) => li.textContent)).toEqual([
      "Checkout: 2",
      "(no service): 1",
    ]);
    const incident = $("#report-incidents li");
    expect(incident.dataset.key).toBe("work/P1");
    expect(incident.textContent).toBe("#1 <b>Disk</b> full (Checkout): 2");
    expect(incident.querySelector("b")).toBeNull();
  });

  it("asks again for the period chosen", async () => {
    await openReport();
    const period = $<HTMLSelectElement>("#report-days");
    period.value = "30";
    period.dispatchEvent(new Event("change"));
    await settle();
    expect(page.api.getReport).toHaveBeenLastCalledWith(30);
    expect($("#report-empty").textContent).toBe("No pages in the last 30 days");
  });

  it("exports the CSV, says where, and opens that folder", async () => {
    await openReport();
    $("#report-export").click();
    await settle();
    expect(page.api.exportReportCsv).toHaveBeenCalledWith(7);
    expect($("#report-exported").hidden).toBe(false);
    expect($("#report-exported-text").textContent).toBe(
      "Saved the report of the last 7 days as /home/pat/Downloads/oncall-report-2026-12-06.csv",
    );
    $("#report-open-folder").click();
    await settle();
    expect(page.api.openReportFolder).toHaveBeenCalledTimes(1);
  });

  it("says why a report or an export failed", async () => {
    page.api.getReport.mockRejectedValue("a report covers 1 to 30 days (the history keeps 30), not 0");
    await openReport();
    expect($("#message").textContent).toContain("Could not make the report: a report covers 1 to 30 days");
    page.api.exportReportCsv.mockRejectedValue("could not write /home/pat/Downloads/x.csv: read-only");
    $("#report-export").click();
    await settle();
    expect($("#message").textContent).toContain("Could not export the report: could not write");
    expect($<HTMLButtonElement>("#report-export").disabled).toBe(false);
  });

  it("is tab 4 from the keyboard", async () => {
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "4", bubbles: true, cancelable: true }));
    await settle();
    expect($("#panel-report").hidden).toBe(false);
    expect(page.api.getReport).toHaveBeenCalledWith(7);
  });
});
