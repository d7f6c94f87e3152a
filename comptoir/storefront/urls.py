app_name = "storefront"

# Pages under the language prefix (/en/, /fr/).
storefront_urlpatterns = []

# Pages outside it.
root_urlpatterns = []
