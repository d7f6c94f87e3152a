from django.tasks import task

from comptoir.fulfillment import services


@task()
def send_fulfilment_request(*, request_id: int) -> bool:
    return services.send_request(request_id=request_id)


@task()
def resend_pending_fulfilment_requests() -> int:
    return services.resend_pending_requests()
