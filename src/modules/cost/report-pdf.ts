/**
 * The cost report as a PDF (pdfkit, standard Helvetica: no font files to ship). Charts are drawn
 * as vector rectangles so they stay sharp and the amounts stay selectable text. Pure: report in,
 * bytes out.
 */
import PDFDocument from 'pdfkit';
import { parseDecimalMicros } from './money.ts';
import { displayAmount, type CostReport, type ReportLine } from './report.ts';

const PAGE = { width: 595.28, height: 841.89, margin: 50 };
const CONTENT = PAGE.width - 2 * PAGE.margin;
const PALETTE = ['#1c7ed6', '#37b24d', '#f59f00', '#ae3ec9', '#f03e3e', '#0ca678', '#7048e8', '#e8590c'];
const MAX_BARS = 12;

type Doc = PDFKit.PDFDocument;

/** Keep `needed` points on this page, or start a new one. */
function ensureRoom(doc: Doc, needed: number): void {
  if (doc.y + needed > PAGE.height - PAGE.margin) doc.addPage();
}

function heading(doc: Doc, text: string): void {
  ensureRoom(doc, 60);
  doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13).fillColor('#000').text(text, PAGE.margin, doc.y);
  doc.moveDown(0.3).font('Helvetica').fontSize(9);
}

function titleBlock(doc: Doc, r: CostReport): void {
  const period = r.period.month ?? `${r.period.start} to ${r.period.end} (exclusive)`;
  doc.font('Helvetica-Bold').fontSize(20).fillColor('#000').text('Cost allocation report', PAGE.margin, PAGE.margin);
  doc.moveDown(0.4).font('Helvetica').fontSize(11);
  doc.text(`Organization: ${r.orgName}`);
  doc.text(`Period: ${period}${r.period.closed ? '' : ' (month to date)'}, time zone ${r.timeZone}`);
  doc.text(`Currency: ${r.currency}`);
  doc.font('Helvetica-Bold').text(`Total: ${displayAmount(r.totalMicros)} ${r.currency}`);
  doc.font('Helvetica').fontSize(9).fillColor('#555').text(`Unallocated: ${displayAmount(parseDecimalMicros(r.unallocated))} ${r.currency}. Generated ${r.generatedAt}.`);
  doc.fillColor('#000');
}

/** Horizontal bars, one per item, each labelled with its name and amount. */
function barChart(doc: Doc, items: Array<{ name: string; micros: number }>, currency: string): void {
  const shown = items.slice(0, MAX_BARS);
  const max = Math.max(1, ...shown.map((i) => i.micros));
  const labelWidth = 150;
  const barArea = CONTENT - labelWidth - 110;
  const rowHeight = 18;
  ensureRoom(doc, rowHeight * Math.max(1, shown.length) + 10);
  let y = doc.y + 4;
  if (shown.length === 0) {
    doc.fontSize(9).text('No spend in the period.', PAGE.margin, y);
    return;
  }
  shown.forEach((item, index) => {
    const width = Math.max(1, (Math.max(0, item.micros) / max) * barArea);
    doc.fontSize(9).fillColor('#000').text(item.name, PAGE.margin, y + 3, { width: labelWidth - 6, lineBreak: false, ellipsis: true });
    doc.rect(PAGE.margin + labelWidth, y, width, rowHeight - 5).fill(PALETTE[index % PALETTE.length]!);
    doc.fillColor('#000').text(`${displayAmount(item.micros)} ${currency}`, PAGE.margin + labelWidth + width + 6, y + 3, { lineBreak: false });
    y += rowHeight;
  });
  if (items.length > shown.length) doc.fontSize(8).fillColor('#555').text(`and ${items.length - shown.length} more (see the table)`, PAGE.margin, y);
  doc.fillColor('#000');
  doc.x = PAGE.margin;
  doc.y = y + 6;
}

/** Vertical columns: the total of each of the three months before the period, and the period itself. */
function trendChart(doc: Doc, r: CostReport): void {
  const columns = [...r.trend.map((t) => ({ label: t.month, micros: t.totalMicros })), { label: r.period.month ?? r.period.start, micros: r.totalMicros }];
  const height = 140;
  ensureRoom(doc, height + 40);
  const top = doc.y + 14;
  const base = top + height;
  const max = Math.max(1, ...columns.map((c) => c.micros));
  const slot = CONTENT / columns.length;
  const width = Math.min(70, slot * 0.6);
  doc.moveTo(PAGE.margin, base).lineTo(PAGE.margin + CONTENT, base).lineWidth(0.5).stroke('#888');
  columns.forEach((c, index) => {
    const h = (Math.max(0, c.micros) / max) * (height - 14);
    const x = PAGE.margin + index * slot + (slot - width) / 2;
    doc.rect(x, base - h, width, h).fill(index === columns.length - 1 ? PALETTE[0]! : '#adb5bd');
    doc.fillColor('#000').fontSize(8).text(displayAmount(c.micros), x - 20, base - h - 11, { width: width + 40, align: 'center', lineBreak: false });
    doc.fontSize(9).text(c.label, x - 20, base + 4, { width: width + 40, align: 'center', lineBreak: false });
  });
  doc.x = PAGE.margin;
  doc.y = base + 22;
  doc.fontSize(8).fillColor('#555').text(`Amounts in ${r.currency}; the last column is the report period.`, PAGE.margin, doc.y);
  doc.fillColor('#000');
}

/** A table of lines: name, direct, idle, shared, total. */
function table(doc: Doc, lines: ReportLine[], currency: string): void {
  const cols = [{ title: 'Name', width: 175 }, { title: 'Direct', width: 80 }, { title: 'Idle', width: 80 }, { title: 'Shared', width: 80 }, { title: `Total (${currency})`, width: CONTENT - 415 }];
  const row = (cells: string[], bold: boolean) => {
    ensureRoom(doc, 16);
    const y = doc.y;
    let x = PAGE.margin;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    cells.forEach((cell, i) => {
      doc.text(cell, x, y, { width: cols[i]!.width - 4, align: i === 0 ? 'left' : 'right', lineBreak: false, ellipsis: true });
      x += cols[i]!.width;
    });
    doc.x = PAGE.margin;
    doc.y = y + 14;
  };
  row(cols.map((c) => c.title), true);
  if (lines.length === 0) row(['(none)', '', '', '', ''], false);
  const amount = (text: string) => displayAmount(parseDecimalMicros(text));
  for (const l of lines) row([l.name, amount(l.direct), amount(l.idle), amount(l.shared), displayAmount(l.totalMicros)], false);
  doc.font('Helvetica');
}

/** Render the report. */
export function renderReportPdf(r: CostReport): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: PAGE.margin, info: { Title: `Cost allocation report ${r.orgName} ${r.period.month ?? r.period.start}`, Author: 'Hexaplane' } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  titleBlock(doc, r);
  heading(doc, 'Cost by business unit');
  barChart(doc, r.businessUnits.map((l) => ({ name: l.name, micros: l.totalMicros })), r.currency);
  heading(doc, 'Trend: the three months before');
  trendChart(doc, r);
  heading(doc, 'By business unit');
  table(doc, r.businessUnits, r.currency);
  heading(doc, 'By project');
  table(doc, r.projects, r.currency);
  if (r.labels && r.label) {
    heading(doc, `By label ${r.label}`);
    table(doc, r.labels, r.currency);
  }
  doc.end();
  return done;
}
