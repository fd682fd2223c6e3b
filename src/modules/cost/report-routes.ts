import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { App } from '../../kernel/http/server.ts';
import { pageOf, pageQuery } from '../../kernel/http/pagination.ts';
import { errorResponses, ifMatchVersion, orgParams, principalOf, withEtag } from '../../kernel/http/routing.ts';
import { reportCsv } from './report.ts';
import { renderReportPdf } from './report-pdf.ts';
import { costReportSchema, createScheduleBody, reportQuery, scheduleParams, scheduleSchema, sendResultSchema, sendScheduleBody, updateScheduleBody } from './report-schemas.ts';
import type { ReportService } from './report-service.ts';

const fileStem = (r: { period: { month: string | null; start: string } }) => `cost-report-${r.period.month ?? r.period.start}`;

export function registerReportRoutes(app: App, service: ReportService): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['cost-reports'];
  const base = '/api/v1/orgs/:orgId/cost/reports/allocation';

  r.get(base, {
    schema: {
      tags, operationId: 'getCostReport',
      summary: 'The cost allocation report of a period: by business unit, project and label, the unallocated bucket, and the three months before',
      params: orgParams, querystring: reportQuery, response: { 200: costReportSchema, ...errorResponses },
    },
  }, async (req) => service.report(principalOf(req), req.params.orgId, req.query));

  r.get(`${base}.csv`, {
    schema: {
      tags, operationId: 'exportCostReportCsv', summary: 'The cost allocation report as CSV (one row per line of each section, then the trend and the total)',
      produces: ['text/csv'], params: orgParams, querystring: reportQuery, response: { 200: z.string().describe('CSV'), ...errorResponses },
    },
  }, async (req, reply) => {
    const report = await service.report(principalOf(req), req.params.orgId, req.query);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileStem(report)}.csv"`).send(reportCsv(report));
  });

  r.get(`${base}.pdf`, {
    schema: {
      tags, operationId: 'exportCostReportPdf', summary: 'The cost allocation report as PDF, with a chart by business unit and the trend',
      // A Buffer is sent as-is (fastify never serializes one), so the schema only documents it.
      produces: ['application/pdf'], params: orgParams, querystring: reportQuery, response: { 200: z.string().meta({ format: 'binary' }).describe('PDF'), ...errorResponses },
    },
  }, async (req, reply) => {
    const report = await service.report(principalOf(req), req.params.orgId, req.query);
    const pdf = await renderReportPdf(report);
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="${fileStem(report)}.pdf"`).send(pdf as unknown as string);
  });

  // ---- schedules ----

  r.get('/api/v1/orgs/:orgId/cost/report-schedules', {
    schema: { tags, operationId: 'listReportSchedules', summary: 'The scheduled cost reports of the organization', params: orgParams, querystring: pageQuery, response: { 200: pageOf(scheduleSchema), ...errorResponses } },
  }, async (req) => service.list(principalOf(req), req.params.orgId, req.query));

  r.post('/api/v1/orgs/:orgId/cost/report-schedules', {
    schema: { tags, operationId: 'createReportSchedule', summary: 'Schedule the monthly cost report by e-mail (to each business unit\'s managers, or to addresses)', params: orgParams, body: createScheduleBody, response: { 201: scheduleSchema, ...errorResponses } },
  }, async (req, reply) => reply.code(201).send(withEtag(reply, await service.create(principalOf(req), req.params.orgId, req.body))));

  r.get('/api/v1/orgs/:orgId/cost/report-schedules/:scheduleId', {
    schema: { tags, operationId: 'getReportSchedule', summary: 'A report schedule', params: scheduleParams, response: { 200: scheduleSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.get(principalOf(req), req.params.orgId, req.params.scheduleId)));

  r.patch('/api/v1/orgs/:orgId/cost/report-schedules/:scheduleId', {
    schema: { tags, operationId: 'updateReportSchedule', summary: 'Change a report schedule', params: scheduleParams, body: updateScheduleBody, response: { 200: scheduleSchema, ...errorResponses } },
  }, async (req, reply) => withEtag(reply, await service.update(principalOf(req), req.params.orgId, req.params.scheduleId, ifMatchVersion(req), req.body)));

  r.delete('/api/v1/orgs/:orgId/cost/report-schedules/:scheduleId', {
    schema: { tags, operationId: 'deleteReportSchedule', summary: 'Delete a report schedule', params: scheduleParams, response: { 204: z.null(), ...errorResponses } },
  }, async (req, reply) => {
    await service.remove(principalOf(req), req.params.orgId, req.params.scheduleId, ifMatchVersion(req));
    return reply.code(204).send(null);
  });

  r.post('/api/v1/orgs/:orgId/cost/report-schedules/:scheduleId/send', {
    schema: { tags, operationId: 'sendReportSchedule', summary: 'E-mail a month\'s report of this schedule now (default: the last complete month)', params: scheduleParams, body: sendScheduleBody, response: { 200: sendResultSchema, ...errorResponses } },
  }, async (req) => service.sendNow(principalOf(req), req.params.orgId, req.params.scheduleId, req.body.period));
}
