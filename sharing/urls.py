app_name = "sharing"
urlpatterns = []
