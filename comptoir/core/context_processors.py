from django.conf import settings


def shop(request):
    """What every storefront template needs: the current channel and the shop's name."""
    return {
        "channel": getattr(request, "channel", None),
        "shop_name": getattr(settings, "SHOP_NAME", "Comptoir"),
    }
