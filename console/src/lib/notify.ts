import { notifications } from '@mantine/notifications';

export function notifySuccess(message: string, title?: string): void {
  notifications.show({ color: 'teal', title, message, autoClose: 4000 });
}

/** A failed request's problem detail (an ApiProblem is an Error whose message is the detail). */
export function notifyProblem(error: unknown, title = 'Something went wrong'): void {
  notifications.show({ color: 'red', title, message: error instanceof Error ? error.message : String(error), autoClose: 8000 });
}
